package pipeline_test

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/edwh/edwh/pipeline"
	"github.com/edwh/edwh/pipeline/synth"
	"github.com/edwh/edwh/pipeline/warehouse"
)

// The demo deployment (`edwh synth --seed 1`: 60 schools, 30,000 pupils,
// five years), run once and shared by the privacy tests of this file: the
// figures they check are those a user of the demo would see.
var demo struct {
	once  sync.Once
	dir   string
	c     *pipeline.Config
	truth *synth.Truth
	err   error
}

func demoDeployment(t *testing.T) (*pipeline.Config, *synth.Truth) {
	t.Helper()
	if testing.Short() {
		t.Skip("the demo deployment takes about a minute")
	}
	demo.once.Do(func() {
		dir, err := os.MkdirTemp("", "edwh-demo-")
		if err != nil {
			demo.err = err
			return
		}
		demo.dir = dir
		if err := os.WriteFile(filepath.Join(dir, "edwh.yaml"), []byte("la_code: 851\nmemory_limit: 2GB\nthreads: 2\nparameters:\n  bootstrap_replicates: 100\n"), 0o644); err != nil {
			demo.err = err
			return
		}
		if err := pipeline.NewSecretFile(filepath.Join(dir, "secret.key")); err != nil {
			demo.err = err
			return
		}
		if demo.truth, err = synth.Generate(synth.Config{Seed: 1}, filepath.Join(dir, "landing")); err != nil {
			demo.err = err
			return
		}
		if demo.c, err = pipeline.LoadConfig(filepath.Join(dir, "edwh.yaml")); err != nil {
			demo.err = err
			return
		}
		if _, err := (&pipeline.Runner{Config: demo.c}).Run(t.Context()); err != nil {
			demo.err = fmt.Errorf("demo run: %w", err)
		}
	})
	if demo.err != nil {
		t.Fatal(demo.err)
	}
	return demo.c, demo.truth
}

// cellKey names one cell of the gaps: a group of one school or the LA, in
// one year and measure.
type cellKey struct {
	level, measure, group string
	urn, la, year         int64
}

// TestSuppressedGapsCannotBeRecoveredOnTheDemo reads what the demo
// publishes in mart.gaps (pupil-data rows) and the unsuppressed cells behind
// it (the working database's stg.gap_cells and stg.gap_index_cells), writes
// every sum the published figures make (the LA = its schools, group by
// group; any SEN = SEN support + EHC plan; a unit's pupils = each split of
// them, the unit's total taken as known), and solves them: no hidden group
// of pupils may be determined by the published counts (Gaussian
// elimination over the hidden cells, a cell of 0 pupils or one holding all
// of its unit's pupils counting as known). It also runs on the published
// data the blocking check gaps_suppression_recoverable (the run succeeding
// means it passed) and counts the suppressed rows.
func TestSuppressedGapsCannotBeRecoveredOnTheDemo(t *testing.T) {
	c, _ := demoDeployment(t)
	snap := openSnapshot(t, c)
	work, err := warehouse.Open(c.DatabasePath(), warehouse.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer work.Close()

	pupils := map[cellKey]int64{}
	rows, err := work.Query(`SELECT level, coalesce(urn, 0), la_code, time_period, measure, pupil_group, pupils FROM stg.gap_cells WHERE pupil_group <> 'all'
		UNION ALL SELECT level, coalesce(urn, 0), la_code, time_period, measure, pupil_group, pupils FROM stg.gap_index_cells`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var k cellKey
		var n int64
		if err := rows.Scan(&k.level, &k.urn, &k.la, &k.year, &k.measure, &k.group, &n); err != nil {
			t.Fatal(err)
		}
		pupils[k] = n
	}
	rows.Close()

	cellName := map[string]string{"disadvantaged": "disadvantaged", "other": "not_disadvantaged", "sen_support": "sen_support",
		"ehcp": "ehcp", "any_sen": "any_sen", "no_sen": "no_sen", "eal": "eal", "english": "english_first", "boys": "boys", "girls": "girls"}
	visible := map[cellKey]bool{} // every cell of mart.gaps; true when a published row shows it
	rows, err = snap.Query(`SELECT level, coalesce(urn, 0), la_code, time_period, measure, split_part(comparison, '_vs_', 1), split_part(comparison, '_vs_', 2), suppressed
		FROM gaps WHERE source = 'pupil_data'`)
	if err != nil {
		t.Fatal(err)
	}
	var shown, suppressed int
	for rows.Next() {
		var k cellKey
		var g, r string
		var sup bool
		if err := rows.Scan(&k.level, &k.urn, &k.la, &k.year, &k.measure, &g, &r, &sup); err != nil {
			t.Fatal(err)
		}
		if sup {
			suppressed++
		} else {
			shown++
		}
		for _, name := range []string{g, r} {
			k.group = cellName[name]
			visible[k] = visible[k] || !sup
			if !sup && pupils[k] > 0 && pupils[k] < 6 {
				t.Errorf("%+v: %d pupils published", k, pupils[k])
			}
		}
	}
	rows.Close()
	if shown+suppressed == 0 {
		t.Fatal("no pupil-data gaps published")
	}
	t.Logf("pupil-data gap rows: %d shown, %d suppressed", shown, suppressed)
	// A cell computed but missing from mart.gaps counts as published: a
	// missing row says the group is empty.
	for k := range pupils {
		if _, ok := visible[k]; !ok {
			visible[k] = true
		}
	}

	// The unknowns: hidden cells of some pupils that are not the unit's
	// total.
	type unit struct {
		level, measure string
		urn, la, year  int64
	}
	splits := [][]string{{"disadvantaged", "not_disadvantaged"}, {"eal", "english_first"}, {"boys", "girls"},
		{"sen_support", "ehcp", "no_sen"}, {"any_sen", "no_sen"}}
	whole := func(k cellKey) bool {
		for _, s := range splits {
			in, others := false, int64(0)
			for _, g := range s {
				kk := k
				kk.group = g
				if g == k.group {
					in = true
				} else {
					others += pupils[kk]
				}
			}
			if in && others == 0 {
				return true
			}
		}
		return false
	}
	unknown := func(k cellKey) bool { return !visible[k] && pupils[k] > 0 && !whole(k) }

	// Sums, per block (LA, year, measure): each a list of +1/-1 terms.
	type block struct {
		measure  string
		la, year int64
	}
	type term struct {
		k    cellKey
		coef float64
	}
	sums := map[block][][]term{}
	units := map[unit]bool{}
	for k := range visible {
		units[unit{k.level, k.measure, k.urn, k.la, k.year}] = true
	}
	groups := []string{"disadvantaged", "not_disadvantaged", "sen_support", "ehcp", "no_sen", "any_sen", "eal", "english_first", "boys", "girls"}
	for u := range units {
		b := block{u.measure, u.la, u.year}
		key := func(g string) cellKey { return cellKey{u.level, u.measure, g, u.urn, u.la, u.year} }
		// any SEN = SEN support + EHC plan, and the unit's (known) total = each split.
		sums[b] = append(sums[b], []term{{key("any_sen"), 1}, {key("sen_support"), -1}, {key("ehcp"), -1}})
		for _, s := range splits {
			var ts []term
			for _, g := range s {
				ts = append(ts, term{key(g), 1})
			}
			sums[b] = append(sums[b], ts)
		}
		if u.level == "la" {
			for _, g := range groups {
				ts := []term{{key(g), 1}}
				for v := range units {
					if v.level == "school" && v.la == u.la && v.year == u.year && v.measure == u.measure {
						ts = append(ts, term{cellKey{"school", u.measure, g, v.urn, u.la, u.year}, -1})
					}
				}
				sums[b] = append(sums[b], ts)
			}
		}
	}

	var hidden, determined, determinedSmall int
	for _, bs := range sums {
		// Columns: the unknowns of the block.
		col := map[cellKey]int{}
		var keys []cellKey
		var matrix [][]float64
		for _, s := range bs {
			for _, tm := range s {
				if _, ok := col[tm.k]; !ok && unknown(tm.k) {
					col[tm.k] = len(keys)
					keys = append(keys, tm.k)
				}
			}
		}
		for _, s := range bs {
			row := make([]float64, len(keys))
			any := false
			for _, tm := range s {
				if j, ok := col[tm.k]; ok {
					row[j] += tm.coef
					any = true
				}
			}
			if any {
				matrix = append(matrix, row)
			}
		}
		hidden += len(keys)
		for _, j := range solvedColumns(matrix, len(keys)) {
			determined++
			if pupils[keys[j]] < 6 {
				determinedSmall++
				t.Errorf("hidden cell %+v (%d pupils) follows from the published figures", keys[j], pupils[keys[j]])
			}
		}
	}
	t.Logf("hidden cells with pupils: %d; determined by the published counts: %d (of fewer than 6 pupils: %d)", hidden, determined, determinedSmall)
	if determined > 0 {
		t.Errorf("%d hidden cells can be worked out from what is published", determined)
	}
}

// solvedColumns returns the columns j of the linear system whose unknown is
// fixed by it: those whose unit vector lies in the row space, seen as a
// pivot row of the reduced row echelon form with no other non-zero entry.
func solvedColumns(m [][]float64, n int) []int {
	const eps = 1e-9
	r := 0
	pivots := map[int]int{} // row -> pivot column
	for c := 0; c < n && r < len(m); c++ {
		p := -1
		for i := r; i < len(m); i++ {
			if math.Abs(m[i][c]) > eps && (p < 0 || math.Abs(m[i][c]) > math.Abs(m[p][c])) {
				p = i
			}
		}
		if p < 0 {
			continue
		}
		m[r], m[p] = m[p], m[r]
		pv := m[r][c]
		for j := range m[r] {
			m[r][j] /= pv
		}
		for i := range m {
			if i != r && math.Abs(m[i][c]) > eps {
				f := m[i][c]
				for j := range m[i] {
					m[i][j] -= f * m[r][j]
				}
			}
		}
		pivots[r] = c
		r++
	}
	var out []int
	for i, c := range pivots {
		only := true
		for j := 0; j < n; j++ {
			if j != c && math.Abs(m[i][j]) > eps {
				only = false
				break
			}
		}
		if only {
			out = append(out, c)
		}
	}
	return out
}
