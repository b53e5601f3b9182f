package pipeline_test

import (
	"database/sql"
	"fmt"
	"testing"
)

// recoverable solves, block by block, the sums that hold between published
// counts, and returns how many hidden counts they fix. Each sum is a map
// from a cell to its coefficient; known holds the published value of a
// cell, a hidden cell being absent.
func recoverable(t *testing.T, blocks map[string][]map[string]float64, known map[string]bool) (hidden, determined int, which []string) {
	t.Helper()
	for _, sums := range blocks {
		col := map[string]int{}
		var keys []string
		for _, s := range sums {
			for k := range s {
				if _, ok := col[k]; !ok && !known[k] {
					col[k] = len(keys)
					keys = append(keys, k)
				}
			}
		}
		var m [][]float64
		for _, s := range sums {
			row := make([]float64, len(keys))
			any := false
			for k, c := range s {
				if j, ok := col[k]; ok {
					row[j] += c
					any = true
				}
			}
			if any {
				m = append(m, row)
			}
		}
		hidden += len(keys)
		for _, j := range solvedColumns(m, len(keys)) {
			determined++
			which = append(which, keys[j])
		}
	}
	return hidden, determined, which
}

// TestSuppressedProgress8CannotBeRecoveredOnTheDemo: mart.progress8
// publishes pupils per group for each school and the LA. The LA's count of
// a group is the sum of its schools'; within a unit the splits
// (disadvantaged/other, EAL/English, boys/girls, SEN support/EHC plan/no
// SEN) each add up to the pupils with a census (a sum used only when every
// fully shown unit bears it out). No hidden count may follow.
func TestSuppressedProgress8CannotBeRecoveredOnTheDemo(t *testing.T) {
	c, _ := demoDeployment(t)
	snap := openSnapshot(t, c)
	type unit struct {
		level    string
		urn, la  int64
		year     int64
		estimate string
	}
	cells := map[unit]map[string]sql.NullInt64{}
	rows, err := snap.Query(`SELECT level, coalesce(urn, 0), la_code, time_period, estimate_source, pupil_group, pupils FROM progress8`)
	if err != nil {
		t.Fatal(err)
	}
	var shown, suppressed int
	for rows.Next() {
		var u unit
		var g string
		var n sql.NullInt64
		if err := rows.Scan(&u.level, &u.urn, &u.la, &u.year, &u.estimate, &g, &n); err != nil {
			t.Fatal(err)
		}
		if cells[u] == nil {
			cells[u] = map[string]sql.NullInt64{}
		}
		cells[u][g] = n
		if n.Valid {
			shown++
		} else {
			suppressed++
		}
	}
	rows.Close()
	groups := []string{"all", "disadvantaged", "not_disadvantaged", "eal", "english_first", "boys", "girls", "sen_support", "ehcp", "no_sen"}
	splits := [][]string{{"disadvantaged", "not_disadvantaged"}, {"eal", "english_first"}, {"boys", "girls"}, {"sen_support", "ehcp", "no_sen"}}
	// Do the splits add up to the same count in every fully shown unit?
	splitsEqual := true
	for _, cs := range cells {
		sums := map[int64]bool{}
		full := true
		for _, s := range splits {
			var sum int64
			for _, g := range s {
				v, ok := cs[g]
				if ok && !v.Valid {
					full = false
				}
				sum += v.Int64
			}
			sums[sum] = true
		}
		if full && len(sums) > 1 {
			splitsEqual = false
		}
	}
	key := func(u unit, g string) string {
		return fmt.Sprintf("%s/%d/%d/%d/%s/%s", u.level, u.urn, u.la, u.year, u.estimate, g)
	}
	known := map[string]bool{}
	blocks := map[string][]map[string]float64{}
	for u, cs := range cells {
		for _, g := range groups {
			if v, ok := cs[g]; !ok || v.Valid {
				known[key(u, g)] = true // shown, or no row: no pupils
			}
		}
		b := fmt.Sprint(u.la, u.year, u.estimate)
		if splitsEqual {
			for _, s := range splits[1:] {
				sum := map[string]float64{}
				for _, g := range splits[0] {
					sum[key(u, g)] += 1
				}
				for _, g := range s {
					sum[key(u, g)] -= 1
				}
				blocks[b] = append(blocks[b], sum)
			}
		}
		if u.level == "la" {
			for _, g := range groups {
				sum := map[string]float64{key(u, g): 1}
				for v := range cells {
					if v.level == "school" && v.la == u.la && v.year == u.year && v.estimate == u.estimate {
						sum[key(v, g)] = -1
					}
				}
				blocks[b] = append(blocks[b], sum)
			}
		}
	}
	hidden, determined, which := recoverable(t, blocks, known)
	t.Logf("progress8: %d cells shown, %d suppressed (splits add up alike: %v); hidden %d, determined by the shown ones %d", shown, suppressed, splitsEqual, hidden, determined)
	if suppressed == 0 {
		t.Error("nothing suppressed: the test proves nothing on this data")
	}
	for _, w := range which {
		t.Errorf("hidden count %s follows from the published counts", w)
	}
}
