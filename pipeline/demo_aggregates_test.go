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

// TestSuppressedEffectsCannotBeRecoveredOnTheDemo: mart.intervention_effects
// publishes n_pre and n_post for each programme, each group and each school.
// A group's pupil-years are the sum of its schools', and a programme's the
// sum of its schools' and of its groups' (each used only if every fully
// shown instance bears it out). No hidden count may follow from the shown
// ones. The demo's programmes have schools small enough to be suppressed
// alone in their pair or triad, so the test fails without complementary
// suppression.
func TestSuppressedEffectsCannotBeRecoveredOnTheDemo(t *testing.T) {
	c, _ := demoDeployment(t)
	snap := openSnapshot(t, c)
	type row struct {
		programme, measure, group, level, groupID string
		urn                                       int64
	}
	n := map[row][2]sql.NullInt64{}
	rows, err := snap.Query(`SELECT programme, measure, pupil_group, level, coalesce(group_id, ''), coalesce(urn, 0), n_pre, n_post FROM intervention_effects`)
	if err != nil {
		t.Fatal(err)
	}
	var shown, suppressed int
	for rows.Next() {
		var r row
		var pre, post sql.NullInt64
		if err := rows.Scan(&r.programme, &r.measure, &r.group, &r.level, &r.groupID, &r.urn, &pre, &post); err != nil {
			t.Fatal(err)
		}
		n[r] = [2]sql.NullInt64{pre, post}
		if pre.Valid {
			shown++
		} else {
			suppressed++
		}
	}
	rows.Close()
	if suppressed == 0 {
		t.Fatal("nothing suppressed in intervention_effects: the test would prove nothing")
	}
	type unit struct{ programme, measure, group string }
	units := map[unit][]row{}
	for r := range n {
		u := unit{r.programme, r.measure, r.group}
		units[u] = append(units[u], r)
	}
	// The three kinds of sum, as (whole, parts) for a unit.
	type sumOf struct {
		kind         int // 0 group = its schools, 1 programme = its schools, 2 programme = its groups
		whole, parts []row
	}
	sumsOf := func(rs []row) (out []sumOf) {
		var prog []row
		groups := map[string][]row{}
		schools := map[string][]row{}
		var allSchools, allGroups []row
		for _, r := range rs {
			switch r.level {
			case "programme":
				prog = append(prog, r)
			case "group":
				groups[r.groupID] = append(groups[r.groupID], r)
				allGroups = append(allGroups, r)
			case "school":
				schools[r.groupID] = append(schools[r.groupID], r)
				allSchools = append(allSchools, r)
			}
		}
		for id, g := range groups {
			out = append(out, sumOf{0, g, schools[id]})
		}
		return append(out, sumOf{1, prog, allSchools}, sumOf{2, prog, allGroups})
	}
	// Which kinds of sum hold wherever everything is shown.
	holds := map[int]bool{0: true, 1: true, 2: true}
	for _, rs := range units {
		for _, s := range sumsOf(rs) {
			for k := 0; k < 2; k++ {
				var whole, parts int64
				full := len(s.whole) == 1 && len(s.parts) > 0
				for _, r := range s.whole {
					full = full && n[r][k].Valid
					whole += n[r][k].Int64
				}
				for _, r := range s.parts {
					full = full && n[r][k].Valid
					parts += n[r][k].Int64
				}
				if full && whole != parts {
					holds[s.kind] = false
				}
			}
		}
	}
	t.Logf("sums that hold where all is shown: group = its schools %v, programme = its schools %v, programme = its groups %v", holds[0], holds[1], holds[2])
	key := func(r row, k int) string { return fmt.Sprintf("%v/%d", r, k) }
	known := map[string]bool{}
	blocks := map[string][]map[string]float64{}
	for u, rs := range units {
		for _, r := range rs {
			for k := 0; k < 2; k++ {
				if n[r][k].Valid {
					known[key(r, k)] = true
				}
			}
		}
		for _, s := range sumsOf(rs) {
			if !holds[s.kind] || len(s.whole) != 1 {
				continue
			}
			for k := 0; k < 2; k++ {
				sum := map[string]float64{key(s.whole[0], k): 1}
				for _, r := range s.parts {
					sum[key(r, k)] -= 1
				}
				b := fmt.Sprint(u, k)
				blocks[b] = append(blocks[b], sum)
			}
		}
	}
	hidden, determined, which := recoverable(t, blocks, known)
	t.Logf("intervention_effects rows: %d shown, %d suppressed; hidden counts %d, determined by the shown ones %d", shown, suppressed, hidden, determined)
	if determined > 0 {
		t.Errorf("%d suppressed pupil-year counts can be worked out from the published ones, e.g. %v", determined, which[:min(5, len(which))])
	}
}
