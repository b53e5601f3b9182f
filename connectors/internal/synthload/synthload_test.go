package synthload_test

import (
	"math"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/edwh/edwh/connectors"
	"github.com/edwh/edwh/connectors/internal/loadtest"
	"github.com/edwh/edwh/pipeline"
	"github.com/edwh/edwh/pipeline/synth"
)

// la is small enough to load and model in a few seconds, big enough for
// every defect kind to be planted in every source.
var la = synth.Config{Seed: 7, Schools: 30, Pupils: 6000, Years: 3}

// mine are the sources this test is about.
var mine = []string{"ks1", "ks2", "ks4", "attendance", "exclusions", "interventions", "audit"}

// reasons maps each defect kind the generator plants to the start of the
// quarantine reasons (or, for nulled values, the column) it may produce.
var reasons = map[string][]string{
	"bad_upn_check_letter":     {"UPN check letter is wrong"},
	"missing_att8":             {"missing value"},
	"absence_exceeds_possible": {"absence (authorised + unauthorised sessions) is greater"},
	"negative_sessions":        {"out of range"},
	"unknown_category":         {"not a valid code"},
	// Years 1899 and 3015 are not dates at all; 1900 and 2099 are, but
	// out of range.
	"bad_start_date":   {"start date out of range", "not a date"},
	"bad_phonics_mark": {"PhonicsMark"},
	"bad_scaled_score": {"ReadScaled"},
	// audit: 5 on a declared 1-4 scale, and "Purple"
	"bad_rating": {"not a rating"},
	// interventions
	"missing_programme": {"missing value"},
	"end_before_start":  {"end date before start date"},
}

type totals struct{ files, read, loaded, quarantined, nulled int64 }

func TestSyntheticLA(t *testing.T) {
	start := time.Now()
	landing := t.TempDir()
	truth, err := synth.Generate(la, landing)
	if err != nil {
		t.Fatal(err)
	}
	db := loadtest.Open(t)
	got := map[string]*totals{}
	for _, src := range pipeline.Sources() {
		d, err := connectors.Discover(landing, src.Name, 0, time.Now().Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		tot := &totals{}
		got[src.Name] = tot
		for _, f := range d.Files {
			res := db.Load(src, f)
			tot.files++
			tot.read += res.RowsRead
			tot.loaded += res.RowsLoaded
			tot.quarantined += res.RowsQuarantined
			tot.nulled += res.ValuesNulled
		}
	}
	t.Logf("loaded in %s", time.Since(start).Round(time.Millisecond))

	// Loading the landing folder again is a no-op: every file was seen.
	for _, name := range mine {
		d, err := connectors.Discover(landing, name, 0, time.Now().Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range d.Files {
			if res := db.Try(pipeline.SourceByName(name), f); res.Status != connectors.StatusSeen {
				t.Errorf("%s loaded twice: %s", f.Rel, res.Status)
			}
		}
	}

	for _, name := range mine {
		tot := got[name]
		bad, flagged := 0, 0
		for _, n := range truth.Bad[name] {
			bad += n
		}
		for k, n := range truth.Flagged[name] {
			if k != "temporary_upn" { // loaded as is; counted in staging below
				flagged += n
			}
		}
		t.Logf("%-13s files %d read %6d loaded %6d quarantined %4d (planted %4d) nulled %3d (planted %3d)",
			name, tot.files, tot.read, tot.loaded, tot.quarantined, bad, tot.nulled, flagged)
		if tot.read != int64(truth.Rows[name]) {
			t.Errorf("%s: %d rows read, generator wrote %d", name, tot.read, truth.Rows[name])
		}
		if tot.loaded+tot.quarantined != tot.read {
			t.Errorf("%s: loaded %d + quarantined %d != read %d", name, tot.loaded, tot.quarantined, tot.read)
		}
		if tot.quarantined != int64(bad) {
			t.Errorf("%s: %d rows quarantined, generator planted %d bad rows %v", name, tot.quarantined, bad, truth.Bad[name])
		}
		if tot.nulled != int64(flagged) {
			t.Errorf("%s: %d values nulled, generator planted %d %v", name, tot.nulled, flagged, truth.Flagged[name])
		}
		// Each kind of defect is quarantined (or nulled) for its own reason.
		kinds := map[string]int{}
		for k, n := range truth.Bad[name] {
			kinds[k] = n
		}
		for k, n := range truth.Flagged[name] {
			if k != "temporary_upn" {
				kinds[k] = n
			}
		}
		for k, n := range kinds {
			want, ok := reasons[k]
			if !ok {
				t.Errorf("%s: no expected reason for defect kind %s", name, k)
				continue
			}
			var conds []string
			args := []any{name}
			for _, w := range want {
				conds = append(conds, `starts_with(reason, ?) OR (action = 'value' AND "column" = ?)`)
				args = append(args, w, w)
			}
			rows := db.Int(`SELECT count(DISTINCT (load_id, line)) FROM ops.quarantine
				WHERE source = ? AND (`+strings.Join(conds, " OR ")+`)`, args...)
			if rows != int64(n) {
				t.Errorf("%s: %d rows quarantined or nulled for %q, generator planted %d %s", name, rows, want, n, k)
			}
		}
	}

	warnings := db.Models()
	var names []string
	for n := range warnings {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		t.Logf("check not passing: %s (%d rows)", n, warnings[n])
	}
	t.Logf("loaded and modelled in %s", time.Since(start).Round(time.Millisecond))

	// Temporary UPNs load, and staging flags them.
	for _, src := range []string{"ks1", "ks2", "ks4", "attendance", "exclusions"} {
		n := db.Int(`SELECT count(*) FILTER (WHERE upn_temporary) FROM stg.` + src)
		if n != int64(truth.Flagged[src]["temporary_upn"]) {
			t.Errorf("stg.%s: %d temporary UPNs, generator wrote %d", src, n, truth.Flagged[src]["temporary_upn"])
		}
	}

	// Every loaded result is in the attainment mart, once.
	for _, c := range []struct{ ks, q string }{
		{"phonics", `SELECT count(*) FROM raw.ks1 WHERE phonics_mark IS NOT NULL OR phonics_mark_code IS NOT NULL`},
		{"ks1", `SELECT count(*) FROM raw.ks1 WHERE coalesce(ks1_read_ta, ks1_writ_ta, ks1_mat_ta) IS NOT NULL`},
		{"ks2", `SELECT count(*) FROM raw.ks2`},
		{"ks4", `SELECT count(*) FROM raw.ks4`},
	} {
		want := db.Int(c.q)
		if n := db.Int(`SELECT count(*) FROM mart.attainment WHERE key_stage = ?`, c.ks); n != want || n == 0 {
			t.Errorf("mart.attainment has %d %s rows, %d loaded", n, c.ks, want)
		}
	}
	// The 12 rows whose phonics mark was out of range have no result:
	// they are reported, not lost.
	if n := warnings["ks_rows_without_result"]; n != int64(truth.Flagged["ks1"]["bad_phonics_mark"]) {
		t.Errorf("ks_rows_without_result: %d rows, want the %d nulled phonics marks", n, truth.Flagged["ks1"]["bad_phonics_mark"])
	}
	// Sensible national-like rates: about 80% meet the phonics standard,
	// 60% grade 4+ in English and maths (see synth/outcomes.go).
	for _, c := range []struct {
		what     string
		q        string
		min, max float64
	}{
		{"phonics expected", `SELECT avg(CAST(phonics_expected AS INTEGER)) FROM mart.attainment WHERE key_stage = 'phonics'`, 0.6, 0.95},
		{"KS2 RWM expected", `SELECT avg(CAST(rwm_expected AS INTEGER)) FROM mart.attainment WHERE key_stage = 'ks2'`, 0.3, 0.9},
		{"KS4 eng/mat 4+", `SELECT avg(CAST(eng_mat_94 AS INTEGER)) FROM mart.attainment WHERE key_stage = 'ks4'`, 0.3, 0.9},
		{"persistent absence", `SELECT avg(CAST(persistent_absentee AS INTEGER)) FROM mart.attendance`, 0.02, 0.4},
	} {
		v, ok := db.Float(c.q)
		if !ok || v < c.min || v > c.max {
			t.Errorf("%s: %v, want between %v and %v", c.what, v, c.min, c.max)
		}
	}

	// Attendance: one row per pupil and school per year, sums of the
	// terms loaded.
	if a, b := db.Int(`SELECT sum(sessions_absent) FROM mart.attendance`),
		db.Int(`SELECT sum(sessions_authorised + sessions_unauthorised) FROM raw.attendance`); a != b {
		t.Errorf("mart.attendance absent sessions %d, raw %d", a, b)
	}

	// Exclusions: FIXD counts as a suspension; the school rows add up to
	// the pupil rows where nothing is suppressed.
	if n := db.Int(`SELECT count(*) FROM raw.exclusions WHERE category NOT IN ('SUSP', 'PERM', 'LNCH')`); n != 0 {
		t.Errorf("%d exclusions with a category other than SUSP, PERM, LNCH", n)
	}
	susp := db.Int(`SELECT count(*) FROM raw.exclusions WHERE category = 'SUSP'`)
	if n := db.Int(`SELECT sum(suspensions) FROM mart.exclusions WHERE level = 'pupil'`); n != susp || n == 0 {
		t.Errorf("pupil rows: %d suspensions, %d loaded", n, susp)
	}
	if n := db.Int(`SELECT count(*) FROM mart.exclusions WHERE level = 'school' AND suppressed`); n != 0 {
		t.Errorf("%d school rows suppressed in an LA with schools of at least 20 pupils", n)
	}
	if a, b := db.Int(`SELECT sum(suspensions) FROM mart.exclusions WHERE level = 'school'`), susp; a != b {
		t.Errorf("school rows: %d suspensions, %d loaded", a, b)
	}

	// Interventions: every register row loaded resolves, the named
	// schools by name, but for the misspelt name, which names the school
	// it resembles as a candidate.
	if got := db.String(`SELECT string_agg(school_given || ' -> ' || candidates, '; ') FROM stg.interventions WHERE urn IS NULL`); len(truth.Programme.Unresolved) != 1 ||
		got != truth.Programme.Unresolved[0]+" -> "+db.String(`SELECT name FROM stg.schools WHERE urn = ?`, truth.Programme.UnresolvedCandidate)+" (URN "+itoa(truth.Programme.UnresolvedCandidate)+")" {
		t.Errorf("unresolved register rows: %q, want %q with its school as the candidate", got, truth.Programme.Unresolved)
	}
	named := append(append([]int(nil), truth.Programme.NamedInRegister...), truth.Placebo.NamedInRegister...)
	var list []string
	for _, u := range named {
		list = append(list, itoa(u))
	}
	if got := db.String(`SELECT string_agg(CAST(urn AS VARCHAR), ',' ORDER BY line) FROM stg.interventions WHERE resolved_by = 'name'`); got != strings.Join(list, ",") {
		t.Errorf("schools resolved by name: %s, want %v", got, named)
	}
	quarantined := 0
	for _, n := range truth.Bad["interventions"] {
		quarantined += n
	}
	if n := db.Int(`SELECT count(*) FROM stg.interventions`); n != int64(truth.Rows["interventions"]-quarantined) {
		t.Errorf("stg.interventions has %d rows, register %d less %d quarantined", n, truth.Rows["interventions"], quarantined)
	}

	// Audit: every row staged with a stage (the blank ones derived), RAG
	// words read as letters, and the planted pre and post means recovered.
	if n := db.Int(`SELECT count(*) FROM stg.audit WHERE stage IN ('pre', 'post') AND rag IS NOT NULL`); n != int64(truth.Audit.Rows-truth.Audit.Bad) {
		t.Errorf("stg.audit: %d rows with a stage and a RAG rating, want %d", n, truth.Audit.Rows-truth.Audit.Bad)
	}
	if got := db.String(`SELECT string_agg(DISTINCT stage_source, ',') FROM stg.audit WHERE urn = ?`, truth.Audit.StageBlankURN); got != "derived" {
		t.Errorf("stage of the school with blank stages: %s", got)
	}
	for stage, want := range map[string]float64{"pre": truth.Audit.PreMean, "post": truth.Audit.PostMean} {
		v, _ := db.Float(`SELECT avg(rating_score) FROM stg.audit WHERE stage = ?`, stage)
		if math.Abs(v-want) > 1e-9 {
			t.Errorf("mean %s rating %v, planted %v", stage, v, want)
		}
	}

	// Nothing published carries a UPN.
	for _, m := range []string{"attainment", "attendance", "exclusions"} {
		if n := db.Int(`SELECT count(*) FROM information_schema.columns WHERE table_schema = 'mart' AND table_name = ? AND column_name IN ('upn', 'dob')`, m); n != 0 {
			t.Errorf("mart.%s has a upn or dob column", m)
		}
	}
	t.Logf("done in %s", time.Since(start).Round(time.Millisecond))
}

func itoa(n int) string {
	if n < 0 {
		return "-" + itoa(-n)
	}
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}
