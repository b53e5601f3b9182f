package connectors

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

// The narrowed supersede query finds the loads the plain one does, NULL
// keys included, for keys that are plain columns, expressions, or both.
func TestSupersedeQueryNarrowedFindsTheSameLoads(t *testing.T) {
	conn, ctx := workingDB(t, `CREATE TABLE main.t (_load_id BIGINT, laestab INTEGER, urn INTEGER, academic_year INTEGER, term VARCHAR, d DATE)`)
	r := rand.New(rand.NewPCG(3, 4))
	pick := func(vals ...string) string { return vals[r.IntN(len(vals))] }
	var rows []string
	for load := 1; load <= 12; load++ {
		for range 1 + r.IntN(30) {
			rows = append(rows, fmt.Sprintf("(%d, %s, %s, %s, %s, %s)", load,
				pick("NULL", "8512001", "8512002", "8513000"), pick("NULL", "100001", "100002"),
				pick("NULL", "201718", "201819", "201920"), pick("NULL", "'autumn'", "'spring'", "'AUTUMN'"),
				pick("NULL", "DATE '2019-01-17'", "DATE '2019-10-03'")))
		}
	}
	if _, err := conn.ExecContext(ctx, "INSERT INTO main.t VALUES "+strings.Join(rows, ", ")); err != nil {
		t.Fatal(err)
	}
	school := `coalesce(CAST({laestab} AS VARCHAR), 'urn' || CAST({urn} AS VARCHAR))`
	find := func(src *Source, narrow bool, load int) []int64 {
		t.Helper()
		rs, err := conn.QueryContext(ctx, supersedeQuery(src, narrow), load)
		if err != nil {
			t.Fatal(err)
		}
		defer rs.Close()
		var ids []int64
		for rs.Next() {
			var id int64
			if err := rs.Scan(&id); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, id)
		}
		return ids
	}
	for _, tc := range []struct {
		name      string
		keys      []string
		narrowing bool // the narrowed query has a join of its own
	}{
		{"school, year and term (attendance)", []string{school, "{academic_year}", "{term}"}, true},
		{"school and date (census)", []string{school, "{d}"}, true},
		{"one plain column", []string{"{urn}"}, true},
		{"expressions only", []string{school, "lower({term})"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := &Source{Name: "t", Table: "main.t", Supersede: tc.keys}
			if got := strings.Contains(supersedeQuery(src, true), "SEMI JOIN"); got != tc.narrowing {
				t.Fatalf("narrowed: %v, want %v", got, tc.narrowing)
			}
			found := 0
			for load := 1; load <= 12; load++ {
				plain, narrowed := find(src, false, load), find(src, true, load)
				if !reflect.DeepEqual(plain, narrowed) {
					t.Errorf("load %d: narrowed query finds %v, the plain one %v", load, narrowed, plain)
				}
				found += len(plain)
			}
			if found == 0 {
				t.Error("no load supersedes another: the data tests nothing")
			}
		})
	}
}
