package synth

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
)

// small is the configuration most tests use: big enough for every quirk
// and defect, small enough to generate in a fraction of a second.
var small = Config{Seed: 7, Schools: 30, Pupils: 4000}

// generate runs Generate into a fresh temporary folder.
func generate(t *testing.T, cfg Config) (string, *Truth) {
	t.Helper()
	dir := t.TempDir()
	tr, err := Generate(cfg, dir)
	if err != nil {
		t.Fatalf("Generate(%+v): %v", cfg, err)
	}
	return dir, tr
}

// readTree returns every file under dir by slash-separated relative path.
func readTree(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		files[filepath.ToSlash(rel)] = b
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// csvFile is a CSV file read back independently of the generator: BOM
// stripped, Windows-1252 decoded, headers normalised the way the loader
// matches them (case, spaces and underscores ignored).
type csvFile struct {
	cols map[string]int
	rows [][]string
}

func normHeader(h string) string {
	return strings.NewReplacer(" ", "", "_", "").Replace(strings.ToLower(h))
}

func readCSV(t *testing.T, path string) csvFile {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	if !utf8.Valid(b) { // Windows-1252: the generator uses only its Latin-1 part
		var sb strings.Builder
		for _, c := range b {
			sb.WriteRune(rune(c))
		}
		b = []byte(sb.String())
	}
	recs, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	f := csvFile{cols: map[string]int{}, rows: recs[1:]}
	for i, h := range recs[0] {
		f.cols[normHeader(h)] = i
	}
	return f
}

// get returns the value of column name (any spelling) in row.
func (f csvFile) get(row []string, name string) string {
	i, ok := f.cols[normHeader(name)]
	if !ok {
		panic("no column " + name)
	}
	return row[i]
}

func parseDate(s string) (time.Time, bool) {
	for _, layout := range []string{"02/01/2006", "2006-01-02"} {
		if d, err := time.Parse(layout, s); err == nil {
			return d, true
		}
	}
	return time.Time{}, false
}

func TestDeterminism(t *testing.T) {
	base, _ := generate(t, small)
	want := readTree(t, base)
	tests := []struct {
		name string
		cfg  Config
		same bool
	}{
		{"same seed", small, true},
		{"different seed", Config{Seed: 8, Schools: small.Schools, Pupils: small.Pupils}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir, _ := generate(t, tt.cfg)
			got := readTree(t, dir)
			identical := 0
			for name, b := range want {
				if bytes.Equal(got[name], b) {
					identical++
				} else if tt.same {
					t.Errorf("%s differs between runs with the same seed", name)
				}
			}
			if tt.same && len(got) != len(want) {
				t.Errorf("got %d files, want %d", len(got), len(want))
			}
			if !tt.same && identical > 0 {
				t.Errorf("%d of %d files are identical with a different seed", identical, len(want))
			}
		})
	}
}

func TestConfigValidation(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
	}{
		{"too few schools", Config{Schools: 10}},
		{"too few pupils", Config{Schools: 30, Pupils: 100}},
		{"too few years", Config{Years: 2}},
		{"LA code not three digits", Config{LACode: 12}},
		{"bad row rate too high", Config{BadRowRate: 0.5}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Generate(tt.cfg, t.TempDir()); err == nil {
				t.Fatalf("Generate(%+v) succeeded, want an error", tt.cfg)
			}
		})
	}
}

// classifiers say, for each pupil-level source, which defect or flag an
// independent reading of a row finds, by kind as Truth names them.
var classifiers = map[string]func(f csvFile, row []string, cfg Config) []string{
	SourceCensus: func(f csvFile, row []string, _ Config) []string {
		var ks []string
		upn := f.get(row, "UPN")
		switch {
		case len(upn) != 13:
			ks = append(ks, "bad_upn_length")
		case !validUPN(upn):
			ks = append(ks, "bad_upn_check_letter")
		case upn[12] >= 'A':
			ks = append(ks, "temporary_upn")
		}
		if f.get(row, "NCyearActual") == "" {
			ks = append(ks, "missing_ncyear")
		}
		if s := f.get(row, "SENprovision"); s != "N" && s != "K" && s != "E" {
			ks = append(ks, "bad_sen_provision")
		}
		if _, ok := parseDate(f.get(row, "CensusDate")); !ok {
			ks = append(ks, "bad_census_date")
		}
		if !slices.Contains([]string{"WBRI", "WIRI", "WIRT", "WOTH", "WROM", "MWBC", "MWBA", "MWAS", "MOTH", "AIND",
			"APKN", "ABAN", "AOTH", "BCRB", "BAFR", "BOTH", "CHNE", "OOTH", "REFU", "NOBT"}, f.get(row, "Ethnicity")) {
			ks = append(ks, "unknown_ethnicity")
		}
		if _, ok := parseDate(f.get(row, "DOB")); !ok {
			ks = append(ks, "bad_dob")
		}
		return ks
	},
	SourceKS1: func(f csvFile, row []string, _ Config) []string {
		ks := upnKinds(f.get(row, "UPN"))
		if n, err := strconv.Atoi(f.get(row, "PhonicsMark")); err == nil && (n < 0 || n > 40) {
			ks = append(ks, "bad_phonics_mark")
		}
		return ks
	},
	SourceKS2: func(f csvFile, row []string, _ Config) []string {
		ks := upnKinds(f.get(row, "UPN"))
		if n, err := strconv.Atoi(f.get(row, "ReadScaled")); err == nil && (n < 80 || n > 120) {
			ks = append(ks, "bad_scaled_score")
		}
		return ks
	},
	SourceKS4: func(f csvFile, row []string, _ Config) []string {
		ks := upnKinds(f.get(row, "UPN"))
		if f.get(row, "Att8") == "" {
			ks = append(ks, "missing_att8")
		}
		return ks
	},
	SourceAttendance: func(f csvFile, row []string, _ Config) []string {
		ks := upnKinds(f.get(row, "UPN"))
		p, _ := strconv.Atoi(f.get(row, "SessionsPossible"))
		a, _ := strconv.Atoi(f.get(row, "SessionsAuthorised"))
		u, _ := strconv.Atoi(f.get(row, "SessionsUnauthorised"))
		switch {
		case p < 0 || a < 0 || u < 0:
			ks = append(ks, "negative_sessions")
		case a+u > p:
			ks = append(ks, "absence_exceeds_possible")
		}
		return ks
	},
	SourceExclusions: func(f csvFile, row []string, cfg Config) []string {
		ks := upnKinds(f.get(row, "UPN"))
		if !slices.Contains([]string{"SUSP", "FIXD", "PERM", "LNCH"}, f.get(row, "Category")) {
			ks = append(ks, "unknown_category")
		}
		d, ok := parseDate(f.get(row, "StartDate"))
		if !ok || d.Year() < cfg.FirstYear || d.Year() > cfg.FirstYear+cfg.Years {
			ks = append(ks, "bad_start_date")
		}
		return ks
	},
}

func upnKinds(upn string) []string {
	switch {
	case len(upn) != 13:
		return []string{"bad_upn_length"}
	case !validUPN(upn):
		return []string{"bad_upn_check_letter"}
	case upn[12] >= 'A':
		return []string{"temporary_upn"}
	}
	return nil
}

// TestDefectCounts re-reads every pupil-level file and checks that the
// defects found match Truth exactly, file by file, that each kind occurs at
// least once per file, and that no row has two defects.
func TestDefectCounts(t *testing.T) {
	dir, tr := generate(t, small)
	rows := map[string]int{}
	for _, fs := range tr.Files {
		classify, ok := classifiers[fs.Source]
		if !ok {
			rows[fs.Source] += fs.Rows
			continue
		}
		t.Run(fs.Path, func(t *testing.T) {
			f := readCSV(t, filepath.Join(dir, fs.Path))
			rows[fs.Source] += len(f.rows)
			if len(f.rows) != fs.Rows {
				t.Errorf("read %d rows, Truth says %d", len(f.rows), fs.Rows)
			}
			found := map[string]int{}
			for i, row := range f.rows {
				ks := classify(f, row, tr.Config)
				if n := len(slices.DeleteFunc(slices.Clone(ks), func(k string) bool { return k == "temporary_upn" })); n > 1 {
					t.Errorf("row %d has %d defects: %v", i+2, n, ks)
				}
				for _, k := range ks {
					found[k]++
				}
			}
			want := map[string]int{}
			for k, n := range fs.Bad {
				want[k] = n
				if n < 1 && !strings.Contains(fs.Path, "reissue") {
					t.Errorf("no %s rows, want at least 1", k)
				}
			}
			for k, n := range fs.Flagged {
				want[k] = n
				if n < 1 && k != "temporary_upn" && !strings.Contains(fs.Path, "reissue") {
					t.Errorf("no %s rows, want at least 1", k)
				}
			}
			for k := range found {
				if _, ok := want[k]; !ok {
					want[k] = 0
				}
			}
			for k, n := range want {
				if found[k] != n {
					t.Errorf("%s: re-read finds %d, Truth says %d", k, found[k], n)
				}
			}
		})
	}
	for src, n := range tr.Rows {
		if rows[src] != n {
			t.Errorf("Truth.Rows[%q] = %d, files hold %d", src, n, rows[src])
		}
	}
	for _, src := range []string{SourceCensus, SourceAttendance} {
		total := 0
		for _, n := range tr.Bad[src] {
			total += n
		}
		if total == 0 {
			t.Errorf("Truth.Bad[%q] is empty", src)
		}
	}
}

// TestUPNs checks that every UPN in a row without a UPN defect passes the
// check letter, and that Truth lists exactly the UPNs written.
func TestUPNs(t *testing.T) {
	dir, tr := generate(t, small)
	good := map[string]bool{}
	bad := map[string]bool{}
	for _, fs := range tr.Files {
		if _, ok := classifiers[fs.Source]; !ok {
			continue
		}
		f := readCSV(t, filepath.Join(dir, fs.Path))
		invalid := 0
		for _, row := range f.rows {
			u := f.get(row, "UPN")
			if validUPN(u) {
				good[u] = true
			} else {
				bad[u] = true
				invalid++
			}
		}
		if want := fs.Bad["bad_upn_check_letter"] + fs.Bad["bad_upn_length"]; invalid != want {
			t.Errorf("%s: %d rows fail the UPN check, Truth has %d UPN defects", fs.Path, invalid, want)
		}
	}
	if len(good) != len(tr.UPNs) {
		t.Errorf("files hold %d valid UPNs, Truth.UPNs has %d", len(good), len(tr.UPNs))
	}
	for _, u := range tr.UPNs {
		if !good[u] || !validUPN(u) {
			t.Errorf("Truth.UPNs has %q, which is not a valid UPN written in the files", u)
			break
		}
	}
	if len(bad) != len(tr.MalformedUPNs) {
		t.Errorf("files hold %d malformed UPNs, Truth.MalformedUPNs has %d", len(bad), len(tr.MalformedUPNs))
	}
	temp := 0
	for _, u := range tr.UPNs {
		if u[12] >= 'A' {
			temp++
		}
	}
	if share := float64(temp) / float64(len(tr.UPNs)); share < 0.002 || share > 0.01 {
		t.Errorf("%.2f%% of UPNs are temporary, want about 0.5%%", 100*share)
	}
}

func TestKS4Consistency(t *testing.T) {
	dir, tr := generate(t, small)
	for _, tp := range tr.TimePeriods {
		path := filepath.Join(dir, "ks4", fmt.Sprintf("ks4_%d.csv", tp/100+1))
		t.Run(filepath.Base(path), func(t *testing.T) {
			f := readCSV(t, path)
			atoi := func(row []string, col string) int {
				n, err := strconv.Atoi(f.get(row, col))
				if err != nil {
					t.Fatalf("%s %q: %v", col, f.get(row, col), err)
				}
				return n
			}
			for i, row := range f.rows {
				if f.get(row, "Att8") == "" {
					continue // a planted missing_att8 defect
				}
				if got := f.get(row, "AcademicYear"); got != strconv.Itoa(tp) {
					t.Fatalf("row %d: AcademicYear %q, want %d", i+2, got, tp)
				}
				att8 := atoi(row, "Att8")
				parts := []struct {
					col string
					max int
				}{{"Att8Eng", 18}, {"Att8Mat", 18}, {"Att8EBacc", 27}, {"Att8Open", 27}}
				sum := 0
				for _, p := range parts {
					v := atoi(row, p.col)
					if v < 0 || v > p.max {
						t.Errorf("row %d: %s = %d out of 0-%d", i+2, p.col, v, p.max)
					}
					sum += v
				}
				if sum != att8 || att8 > 90 {
					t.Errorf("row %d: Att8 %d, elements sum to %d", i+2, att8, sum)
				}
				eng, mat := atoi(row, "EnglishGrade"), atoi(row, "MathsGrade")
				if 2*eng != atoi(row, "Att8Eng") || 2*mat != atoi(row, "Att8Mat") {
					t.Errorf("row %d: English or maths element is not twice the grade", i+2)
				}
				if got, want := f.get(row, "EngMat94"), flag(eng >= 4 && mat >= 4); got != want {
					t.Errorf("row %d: EngMat94 %s with grades %d, %d", i+2, got, eng, mat)
				}
				if got, want := f.get(row, "EngMat95"), flag(eng >= 5 && mat >= 5); got != want {
					t.Errorf("row %d: EngMat95 %s with grades %d, %d", i+2, got, eng, mat)
				}
				if b := f.get(row, "KS2Baseline"); b != "" {
					if v, err := strconv.ParseFloat(b, 64); err != nil || v < 80 || v > 120 {
						t.Errorf("row %d: KS2Baseline %q", i+2, b)
					}
				}
				if f.get(row, "P8") != "" {
					t.Errorf("row %d: P8 supplied", i+2)
				}
			}
		})
	}
}

func TestProgrammes(t *testing.T) {
	dir, tr := generate(t, small)
	inLA := map[int]School{}
	for _, s := range tr.Schools {
		inLA[s.URN] = s
	}
	tests := []struct {
		name                 string
		p                    Programme
		schools, groups, per int
		coaches              bool
	}{
		{"SEND Triads", tr.Programme, 12, 4, 3, true},
		{"Placebo Pairs", tr.Placebo, 6, 3, 2, false},
	}
	seen := map[int]bool{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.p.Name != tt.name || len(tt.p.URNs) != tt.schools || len(tt.p.Groups) != tt.groups {
				t.Fatalf("%s: %d schools in %d groups, want %d in %d", tt.p.Name, len(tt.p.URNs), len(tt.p.Groups), tt.schools, tt.groups)
			}
			for _, g := range tt.p.Groups {
				if len(g.URNs) != tt.per {
					t.Errorf("group %s has %d schools, want %d", g.ID, len(g.URNs), tt.per)
				}
				if tt.coaches != (g.Coach != 0) || (g.Coach != 0 && !slices.Contains(g.URNs, g.Coach)) {
					t.Errorf("group %s coach %d", g.ID, g.Coach)
				}
				for _, u := range g.URNs {
					s, ok := inLA[u]
					if !ok || s.Phase == PhaseSpecial || seen[u] {
						t.Errorf("group %s: school %d is outside the LA, special or in two groups", g.ID, u)
					}
					seen[u] = true
				}
			}
			if want := time.Date(tr.Config.FirstYear+2, time.September, 1, 0, 0, 0, 0, time.UTC); !tt.p.Start.Equal(want) {
				t.Errorf("start %v, want %v", tt.p.Start, want)
			}
		})
	}
	if p := tr.Programme; p.AbsencePP >= 0 || p.SuspensionMultiplier >= 1 || math.Abs(p.RealisedAbsencePP-p.AbsencePP) > 0.2 {
		t.Errorf("programme effects: %+v", p)
	}

	t.Run("register", func(t *testing.T) {
		f, err := excelize.OpenFile(filepath.Join(dir, "interventions", "register.xlsx"))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		rows, err := f.GetRows(f.GetSheetList()[0])
		if err != nil {
			t.Fatal(err)
		}
		if strings.Join(rows[0], ",") != "Programme,School,Role,GroupId,StartDate,EndDate,Lead,Cost" {
			t.Fatalf("header %q", rows[0])
		}
		byName := map[string]int{}
		for _, s := range tr.Schools {
			byName[s.Name] = s.URN
		}
		blank, data, named, padded := 0, 0, 0, 0
		roles := map[string]int{}
		// The last three rows are the planted mistakes: a misspelt
		// school name, a blank programme, swapped dates.
		good, planted := rows[1:len(rows)-3], rows[len(rows)-3:]
		for _, row := range good {
			if len(row) == 0 {
				blank++
				continue
			}
			data++
			for _, c := range row {
				if c != strings.TrimSpace(c) {
					padded++
				}
			}
			urn, err := strconv.Atoi(row[1])
			if err != nil {
				urn = byName[row[1]]
				named++
			}
			if !seen[urn] {
				t.Errorf("register school %q is in neither programme", row[1])
			}
			if strings.TrimSpace(row[0]) == ProgrammeName {
				roles[strings.TrimSpace(row[2])]++
			}
			if d, ok := parseDate(row[4]); !ok || !d.Equal(tr.Programme.Start) {
				t.Errorf("StartDate %q, want %s", row[4], ukDate(tr.Programme.Start))
			}
		}
		if data != 18 || blank != 2 || named != 2 || padded == 0 {
			t.Errorf("register: %d data rows, %d blank, %d named, %d padded cells; want 18, 2, 2, some", data, blank, named, padded)
		}
		if roles["coach"] != 4 || roles["participant"] != 8 {
			t.Errorf("SEND Triads roles %v, want 4 coaches and 8 participants", roles)
		}
		for _, tc := range []struct {
			name string
			ok   func(row []string) bool
		}{
			{"misspelt school name", func(row []string) bool {
				_, known := byName[row[1]]
				return len(tr.Programme.Unresolved) == 1 && row[1] == tr.Programme.Unresolved[0] && !known && row[2] == "comparison"
			}},
			{"blank programme", func(row []string) bool { return row[0] == "" && row[1] != "" }},
			{"end before start", func(row []string) bool {
				s, _ := parseDate(row[4])
				e, _ := parseDate(row[5])
				return e.Before(s)
			}},
		} {
			if row := planted[0]; !tc.ok(append(row, make([]string, 8)...)) {
				t.Errorf("planted row %q is not a %s", row, tc.name)
			}
			planted = planted[1:]
		}
		if tr.Rows[SourceInterventions] != 21 || tr.Bad[SourceInterventions]["missing_programme"] != 1 || tr.Bad[SourceInterventions]["end_before_start"] != 1 {
			t.Errorf("truth: %d register rows, bad %v; want 21 and one of each", tr.Rows[SourceInterventions], tr.Bad[SourceInterventions])
		}
	})
}

func TestAudit(t *testing.T) {
	dir, tr := generate(t, small)
	f, err := excelize.OpenFile(filepath.Join(dir, filepath.FromSlash(tr.Audit.Path)))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows(f.GetSheetList()[0])
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(rows[0][0], "SEND Review") || !strings.HasPrefix(rows[1][0], "Exported ") {
		t.Errorf("title rows %q, %q", rows[0], rows[1])
	}
	if strings.Join(rows[2], ",") != "URN,AuditDate,Stage,Area,Item,Rating,ScaleMax,Score,Evidence" {
		t.Fatalf("header %q", rows[2])
	}
	data := rows[3:]
	if len(data) != tr.Audit.Rows || len(data) != 12*31*2+2 || tr.Audit.Bad != 2 || tr.Bad[SourceAudit]["bad_rating"] != 2 {
		t.Fatalf("%d data rows, Truth says %d with %d bad", len(data), tr.Audit.Rows, tr.Audit.Bad)
	}
	// The two planted bad ratings come last: 5 on a declared 1-4 scale,
	// and a word that is no rating.
	bad := data[len(data)-2:]
	data = data[:len(data)-2]
	if bad[0][5] != "5" || bad[0][6] != "4" || bad[1][5] != "Purple" {
		t.Errorf("planted bad ratings %q", bad)
	}
	score := map[string]int{"R": 1, "A": 2, "G": 3, "Red": 1, "Amber": 2, "Green": 3}
	sum := map[string]int{}
	n := map[string]int{}
	areas := map[string]bool{}
	for i, row := range data {
		row = append(row, make([]string, 9-len(row))...)
		urn, _ := strconv.Atoi(row[0])
		if !slices.Contains(tr.Programme.URNs, urn) {
			t.Fatalf("row %d: URN %q not in the programme", i+4, row[0])
		}
		if (row[2] == "") != (urn == tr.Audit.StageBlankURN) {
			t.Errorf("row %d: Stage %q for school %d", i+4, row[2], urn)
		}
		if row[6] != "" || row[7] != "" {
			t.Errorf("row %d: ScaleMax %q, Score %q, want blank", i+4, row[6], row[7])
		}
		s, ok := score[row[5]]
		if !ok {
			t.Fatalf("row %d: rating %q", i+4, row[5])
		}
		if _, ok := parseDate(row[1]); !ok {
			t.Errorf("row %d: AuditDate %q", i+4, row[1])
		}
		if row[2] != "" {
			sum[row[2]] += s
			n[row[2]]++
		}
		areas[row[3]] = true
	}
	if len(areas) != 6 {
		t.Errorf("%d areas, want 6", len(areas))
	}
	pre, post := float64(sum["pre"])/float64(n["pre"]), float64(sum["post"])/float64(n["post"])
	if post <= pre+0.2 || tr.Audit.PostMean <= tr.Audit.PreMean {
		t.Errorf("mean rating pre %.2f, post %.2f: want a planted improvement", pre, post)
	}
}

// TestCensusQuirks checks the encodings and layouts that vary between
// census years, and the corrected re-issue.
func TestCensusQuirks(t *testing.T) {
	dir, tr := generate(t, small)
	path := func(yi int) string {
		return filepath.Join(dir, "census", fmt.Sprintf("census_spring_%d.csv", tr.Config.FirstYear+yi+1))
	}
	raw := func(yi int) []byte {
		b, err := os.ReadFile(path(yi))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	tests := []struct {
		name  string
		check func() error
	}{
		{"Windows-1252 year has é as 0xE9 and is not UTF-8", func() error {
			b := raw(census1252Year)
			if !bytes.Contains(b, []byte{0xe9}) || utf8.Valid(b) {
				return fmt.Errorf("contains 0xE9: %v, valid UTF-8: %v", bytes.Contains(b, []byte{0xe9}), utf8.Valid(b))
			}
			return nil
		}},
		{"BOM year starts with a byte order mark", func() error {
			if !bytes.HasPrefix(raw(censusBOMYear), []byte("\xef\xbb\xbfUPN,")) {
				return fmt.Errorf("no BOM")
			}
			return nil
		}},
		{"other years are UTF-8 without BOM", func() error {
			for _, yi := range []int{0, censusVariantYear, 4} {
				if b := raw(yi); !utf8.Valid(b) || bytes.HasPrefix(b, []byte("\xef\xbb\xbf")) || !bytes.Contains(b, []byte("é")) {
					return fmt.Errorf("year %d", yi)
				}
			}
			return nil
		}},
		{"variant year has LA and ESTAB and other spellings", func() error {
			head, _, _ := bytes.Cut(raw(censusVariantYear), []byte("\n"))
			h := string(head)
			if !strings.HasPrefix(h, "LA,ESTAB,") || strings.Contains(h, "LAESTAB") || !strings.Contains(h, "NC_Year_Actual") {
				return fmt.Errorf("header %q", h)
			}
			return nil
		}},
		{"census dates alternate UK and ISO", func() error {
			for yi := 0; yi < tr.Config.Years; yi++ {
				f := readCSV(t, path(yi))
				want := "/"
				if yi%2 == 1 {
					want = "-"
				}
				for _, row := range f.rows {
					d := f.get(row, "CensusDate")
					if _, ok := parseDate(d); !ok {
						continue // a planted bad_census_date
					}
					if !strings.Contains(d, want) || !strings.Contains(d, "-01-") && !strings.Contains(d, "/01/") {
						return fmt.Errorf("year %d: CensusDate %q", yi, d)
					}
					break
				}
			}
			return nil
		}},
		{"re-issue corrects SEN for a few pupils", func() error {
			re := tr.Reissue
			fr := readCSV(t, filepath.Join(dir, filepath.FromSlash(re.Path)))
			fl := readCSV(t, path(tr.Config.Years-1))
			orig := map[string]string{}
			for _, row := range fl.rows {
				if fl.get(row, "LAESTAB") == strconv.Itoa(re.LAESTAB) {
					orig[fl.get(row, "UPN")] = fl.get(row, "SENprovision")
				}
			}
			changed := 0
			for _, row := range fr.rows {
				if fr.get(row, "LAESTAB") != strconv.Itoa(re.LAESTAB) {
					return fmt.Errorf("re-issue holds school %s", fr.get(row, "LAESTAB"))
				}
				if orig[fr.get(row, "UPN")] != fr.get(row, "SENprovision") {
					changed++
				}
			}
			if len(fr.rows) != re.Rows || len(orig) != re.Rows || changed != re.CorrectedSEN || changed == 0 {
				return fmt.Errorf("re-issue %d rows (LA file %d), %d changed; Truth %+v", len(fr.rows), len(orig), changed, re)
			}
			return nil
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.check(); err != nil {
				t.Error(err)
			}
		})
	}
}

// TestEstablishments checks the GIAS extract: LA schools plus five from
// other LAs, number ranges by phase, and quoted names with commas.
func TestEstablishments(t *testing.T) {
	dir, tr := generate(t, small)
	f := readCSV(t, filepath.Join(dir, "establishments", "gias_extract.csv"))
	if len(f.rows) != len(tr.Schools)+5 || len(tr.OtherSchools) != 5 {
		t.Fatalf("%d rows, want %d + 5", len(f.rows), len(tr.Schools))
	}
	commas := 0
	for _, row := range f.rows {
		if strings.Contains(f.get(row, "EstablishmentName"), ",") {
			commas++
		}
		urn, _ := strconv.Atoi(f.get(row, "URN"))
		en, _ := strconv.Atoi(f.get(row, "EstablishmentNumber"))
		if urn < 100000 || urn > 999999 || en < 2000 || en > 7999 {
			t.Errorf("URN %d, EstablishmentNumber %d", urn, en)
		}
		if _, ok := parseDate(f.get(row, "OpenDate")); !ok || f.get(row, "CloseDate") != "" {
			t.Errorf("dates %q, %q", f.get(row, "OpenDate"), f.get(row, "CloseDate"))
		}
	}
	if commas == 0 {
		t.Error("no school name contains a comma")
	}
	ranges := map[string][2]int{PhasePrimary: {2000, 3999}, PhaseSecondary: {4000, 5999}, PhaseSpecial: {7000, 7999}}
	phases := map[string]int{}
	for _, s := range tr.Schools {
		phases[s.Phase]++
		r := ranges[s.Phase]
		if s.EstablishmentNumber < r[0] || s.EstablishmentNumber > r[1] || s.LAESTAB != tr.Config.LACode*10000+s.EstablishmentNumber {
			t.Errorf("%s school %d: EstablishmentNumber %d, LAESTAB %d", s.Phase, s.URN, s.EstablishmentNumber, s.LAESTAB)
		}
	}
	if phases[PhaseSpecial] != 2 || phases[PhasePrimary] != 24 {
		t.Errorf("phases %v", phases)
	}
}

// TestDefaultConfig generates the default LA once and checks its volume,
// then that a difference-in-differences on the attendance files recovers
// the planted programme effect and finds none for the placebo.
func TestDefaultConfig(t *testing.T) {
	if testing.Short() {
		t.Skip("generates the full default LA")
	}
	start := time.Now()
	dir, tr := generate(t, Config{})
	t.Logf("Generate(Config{}) took %v", time.Since(start))

	t.Run("volume", func(t *testing.T) {
		for _, fs := range tr.Files {
			if fs.Source != SourceCensus || strings.Contains(fs.Path, "reissue") {
				continue
			}
			if fs.Rows < 25500 || fs.Rows > 34500 {
				t.Errorf("%s: %d rows, want 30000 ± 15%%", fs.Path, fs.Rows)
			}
		}
		if len(tr.Schools) != 60 || len(tr.TimePeriods) != 5 {
			t.Errorf("%d schools, %d years", len(tr.Schools), len(tr.TimePeriods))
		}
	})

	t.Run("planted absence effects", func(t *testing.T) {
		laestab := map[int]int{}
		for _, s := range tr.Schools {
			laestab[s.URN] = s.LAESTAB
		}
		group := map[string]string{}
		for _, u := range tr.Programme.URNs {
			group[strconv.Itoa(laestab[u])] = "programme"
		}
		for _, u := range tr.Placebo.URNs {
			group[strconv.Itoa(laestab[u])] = "placebo"
		}
		// Overall absence rate by group and pre/post.
		type acc struct{ poss, abs float64 }
		sums := map[string]*acc{}
		for yi, tp := range tr.TimePeriods {
			f := readCSV(t, filepath.Join(dir, "attendance", fmt.Sprintf("attendance_%d.csv", tp/100+1)))
			period := "pre"
			if yi >= 2 {
				period = "post"
			}
			for _, row := range f.rows {
				if len(upnKinds(f.get(row, "UPN"))) > 0 && upnKinds(f.get(row, "UPN"))[0] != "temporary_upn" {
					continue
				}
				p, _ := strconv.Atoi(f.get(row, "SessionsPossible"))
				a, _ := strconv.Atoi(f.get(row, "SessionsAuthorised"))
				u, _ := strconv.Atoi(f.get(row, "SessionsUnauthorised"))
				if p <= 0 || a < 0 || u < 0 || a+u > p {
					continue
				}
				g := group[f.get(row, "LAESTAB")]
				if g == "" {
					g = "other"
				}
				k := g + "/" + period
				if sums[k] == nil {
					sums[k] = &acc{}
				}
				sums[k].poss += float64(p)
				sums[k].abs += float64(a + u)
			}
		}
		rate := func(k string) float64 { return 100 * sums[k].abs / sums[k].poss }
		trend := rate("other/post") - rate("other/pre")
		did := func(g string) float64 { return rate(g+"/post") - rate(g+"/pre") - trend }
		t.Logf("LA trend %+.2f pp; programme naive %+.2f, DiD %+.2f (planted %+.2f); placebo DiD %+.2f",
			trend, rate("programme/post")-rate("programme/pre"), did("programme"), tr.Programme.AbsencePP, did("placebo"))
		if trend <= 0 {
			t.Errorf("no secular trend in comparison schools: %+.2f", trend)
		}
		if d := did("programme"); math.Abs(d-tr.Programme.RealisedAbsencePP) > 0.5 {
			t.Errorf("programme DiD %+.2f pp, planted %+.2f", d, tr.Programme.RealisedAbsencePP)
		}
		if d := did("placebo"); math.Abs(d) > 0.5 {
			t.Errorf("placebo DiD %+.2f pp, want about 0", d)
		}
	})
}

// TestP8Estimates reads the Attainment 8 estimates back: one file per KS4
// year, bands that touch from 80 to 120 with estimates rising with the
// baseline and elements that add up, and the LA's Progress 8 against them,
// worked out here from the KS4 files, near the planted -NationalLead / 10.
func TestP8Estimates(t *testing.T) {
	dir, tr := generate(t, small)
	if len(tr.P8Estimates.Paths) != len(tr.TimePeriods) {
		t.Fatalf("%d estimates files for %d years", len(tr.P8Estimates.Paths), len(tr.TimePeriods))
	}
	num := func(s string) float64 {
		t.Helper()
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			t.Fatalf("%q: %v", s, err)
		}
		return v
	}
	var sum float64
	var pupils int
	for yi, tp := range tr.TimePeriods {
		path := tr.P8Estimates.Paths[yi]
		if want := fmt.Sprintf("%s/ks4_attainment_8_estimates_%d-%02d.csv", SourceP8Estimates, tp/100, tp%100); path != want {
			t.Errorf("file %s, want %s", path, want)
		}
		f := readCSV(t, filepath.Join(dir, path))
		type band struct{ lower, upper, est float64 }
		var bands []band
		for i, row := range f.rows {
			b := band{num(f.get(row, "KS2 prior attainment lower bound")), num(f.get(row, "KS2 prior attainment upper bound")),
				num(f.get(row, "Estimated Attainment 8 score"))}
			elements := num(f.get(row, "English element")) + num(f.get(row, "Maths element")) +
				num(f.get(row, "EBacc element")) + num(f.get(row, "Open element"))
			if math.Abs(elements-b.est) > 0.021 {
				t.Errorf("%s line %d: elements add up to %.2f, estimate %.2f", path, i+2, elements, b.est)
			}
			if i > 0 {
				prev := bands[i-1]
				if b.lower != prev.upper || b.est <= prev.est {
					t.Errorf("%s line %d: band %g-%g estimate %.2f after %g-%g estimate %.2f", path, i+2, b.lower, b.upper, b.est, prev.lower, prev.upper, prev.est)
				}
			}
			bands = append(bands, b)
		}
		if len(bands) == 0 || bands[0].lower != 80 || bands[len(bands)-1].upper != 120 {
			t.Fatalf("%s: bands %v do not run from 80 to 120", path, bands)
		}
		// A baseline on a shared bound belongs to the higher band.
		estimate := func(b float64) float64 {
			for i := len(bands) - 1; i >= 0; i-- {
				if b >= bands[i].lower {
					return bands[i].est
				}
			}
			t.Fatalf("baseline %g below every band", b)
			return 0
		}
		ks4 := readCSV(t, filepath.Join(dir, "ks4", fmt.Sprintf("ks4_%d.csv", tp/100+1)))
		for _, row := range ks4.rows {
			a8, b := ks4.get(row, "Att8"), ks4.get(row, "KS2Baseline")
			if a8 == "" || b == "" {
				continue
			}
			sum += (num(a8) - estimate(num(b))) / 10
			pupils++
		}
	}
	p8, want := sum/float64(pupils), -tr.P8Estimates.NationalLead/10
	t.Logf("the LA's Progress 8 against the estimates: %+.3f over %d pupils (planted %+.2f)", p8, pupils, want)
	if math.Abs(p8-want) > 0.1 {
		t.Errorf("the LA's Progress 8 is %+.3f, planted %+.2f", p8, want)
	}
}
