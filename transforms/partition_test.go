package transforms_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/edwh/edwh/transforms"
)

// TestBuildByPartitionMatchesFullBuild: models with a partition directive
// are rebuilt only for the partitions rows appended to their input fall in
// (and, downstream, the partitions those rows touch), and every table comes
// out as a full build would make it: new partitions, old partitions with
// new rows, a NULL partition, a partition whose rows come out the same
// (its readers kept), and, built whole, an append to most partitions and a
// change that is not an append.
func TestBuildByPartitionMatchesFullBuild(t *testing.T) {
	ctx := context.Background()
	db := memDB(t, "CREATE SCHEMA raw", "CREATE SCHEMA stg", "CREATE SCHEMA mart",
		"CREATE TABLE raw.x (_load_id INTEGER, part INTEGER, id INTEGER, v INTEGER)",
		"INSERT INTO raw.x VALUES (1, 1, 1, 10), (1, 1, 2, 20), (1, 2, 1, 5)",
		// Other partitions and ids, so that most of the input stays as it is.
		"INSERT INTO raw.x SELECT 1, 10 + i % 10, 100 + i, i FROM range(40) t(i)")
	const (
		aSQL = "SELECT part, id, max(v) AS v FROM raw.x GROUP BY part, id"
		bSQL = "SELECT 'k' || id AS key, count(*) AS parts, sum(v) AS total FROM stg.a GROUP BY id"
		cSQL = "SELECT count(*) AS n, sum(total) AS total FROM mart.b"
	)
	p, err := transforms.Load(fstest.MapFS{
		"models/stg/a.sql":  {Data: []byte("-- depends: raw.x\n-- partition: part\n" + aSQL)},
		"models/mart/b.sql": {Data: []byte("-- depends: stg.a\n-- partition: id -> key = 'k' || v\n-- check: unique key\n" + bSQL)},
		"models/mart/c.sql": {Data: []byte("-- depends: mart.b\n" + cSQL)},
	})
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name   string
		change string
		append bool   // the change only adds rows with _load_id above the last
		want   string // how each model was built: a, b, c
	}{
		{name: "first build", want: "whole whole whole"},
		{name: "a new partition", change: "INSERT INTO raw.x VALUES (2, 3, 1, 7), (2, 3, 3, 1)", append: true, want: "partition partition whole"},
		{name: "an old partition gains a row that changes nothing", change: "INSERT INTO raw.x VALUES (3, 1, 1, 9)", append: true, want: "unchanged kept kept"},
		{name: "an old partition gains a row that changes it", change: "INSERT INTO raw.x VALUES (4, 2, 2, 50)", append: true, want: "partition partition whole"},
		{name: "a NULL partition", change: "INSERT INTO raw.x VALUES (5, NULL, 2, 1), (5, NULL, NULL, 2)", append: true, want: "partition partition whole"},
		{name: "the NULL partition again", change: "INSERT INTO raw.x VALUES (6, NULL, 2, 3)", append: true, want: "partition partition whole"},
		{name: "new rows in most partitions: built whole", change: "INSERT INTO raw.x SELECT 7, 10 + i % 10, 100 + i, i + 1 FROM range(40) t(i)",
			append: true, want: "whole whole whole"},
		{name: "rows changed in place: built whole", change: "UPDATE raw.x SET v = v + 1 WHERE part = 1", want: "whole whole whole"},
	}
	var last *transforms.Result
	lastInputs := map[string]string{}
	for i, s := range steps {
		var maxLoad int
		db.QueryRow("SELECT max(_load_id) FROM raw.x").Scan(&maxLoad)
		if s.change != "" {
			if _, err := db.Exec(s.change); err != nil {
				t.Fatal(err)
			}
		}
		st := nextState(last, map[string]string{"raw.x": fmt.Sprint(i)}, "g", "g")
		st.LastInputs = lastInputs
		if s.append {
			st.Appended["raw.x"] = fmt.Sprintf("_load_id > %d", maxLoad)
		}
		res, err := p.BuildStaged(ctx, db, st, nil)
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		for _, c := range res.Checks {
			if c.Status != "pass" {
				t.Errorf("%s: check %s %s (%v)", s.name, c.Check.Name, c.Status, c.Err)
			}
		}
		swapIn(t, db, p, res)
		var how []string
		for _, m := range res.Models {
			switch {
			case m.Kept:
				how = append(how, "kept")
			case m.Unchanged:
				how = append(how, "unchanged")
			case m.Partial:
				how = append(how, "partition")
			default:
				how = append(how, "whole")
			}
		}
		if got := strings.Join(how, " "); got != s.want {
			t.Errorf("%s: built %q, want %q", s.name, got, s.want)
		}
		// Each table as a full build from raw.x makes it, row for row, and
		// its row count as recorded.
		full := map[string]string{
			"stg.a":  aSQL,
			"mart.b": strings.ReplaceAll(bSQL, "stg.a", "("+aSQL+")"),
			"mart.c": strings.ReplaceAll(cSQL, "mart.b", "("+strings.ReplaceAll(bSQL, "stg.a", "("+aSQL+")")+")"),
		}
		for _, m := range res.Models {
			var differ, rows int64
			q := fmt.Sprintf(`SELECT (SELECT count(*) FROM (SELECT * FROM %[1]s EXCEPT ALL (%[2]s)))
				+ (SELECT count(*) FROM ((%[2]s) EXCEPT ALL SELECT * FROM %[1]s)), (SELECT count(*) FROM %[1]s)`, m.Model, full[m.Model])
			if err := db.QueryRow(q).Scan(&differ, &rows); err != nil {
				t.Fatal(err)
			}
			if differ != 0 || rows != m.Rows {
				t.Errorf("%s: %s has %d rows that differ from a full build; %d rows, recorded %d", s.name, m.Model, differ, rows, m.Rows)
			}
		}
		var left int
		db.QueryRow(`SELECT (SELECT count(*) FROM duckdb_tables() WHERE table_name LIKE '%\_\_%' ESCAPE '\')
			+ (SELECT count(*) FROM duckdb_views() WHERE view_name LIKE '%\_\_%' ESCAPE '\')`).Scan(&left)
		if left != 0 {
			t.Errorf("%s: %d staged tables or views left after Swap", s.name, left)
		}
		last, lastInputs = res, st.Inputs
	}
}
