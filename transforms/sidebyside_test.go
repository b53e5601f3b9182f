package transforms_test

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/edwh/edwh/pipeline/warehouse"
	"github.com/edwh/edwh/transforms"
)

// sideBySideProject has two chains that share a start and meet at the end,
// and a model that reads a table big enough to be built alone. Each model
// records DuckDB's threads setting while it was built.
func sideBySideProject(t *testing.T, broken bool) *transforms.Project {
	t.Helper()
	right := "SELECT id, v * 3 AS v, current_setting('threads') AS threads FROM stg.base WHERE id % 2 = 1"
	if broken {
		right = "SELECT id, v * 3 AS v, current_setting('threads') AS threads, no_such_column FROM stg.base"
	}
	files := fstest.MapFS{
		"models/stg/base.sql":  {Data: []byte("-- depends: raw.x\nSELECT id, v, current_setting('threads') AS threads FROM raw.x")},
		"models/stg/left.sql":  {Data: []byte("-- depends: stg.base\n-- check: unique id\nSELECT id, v * 2 AS v, current_setting('threads') AS threads FROM stg.base WHERE id % 2 = 0")},
		"models/stg/right.sql": {Data: []byte("-- depends: stg.base\n" + right)},
		"models/stg/left2.sql": {Data: []byte("-- depends: stg.left\nSELECT id, v + 1 AS v, current_setting('threads') AS threads FROM stg.left")},
		"models/mart/both.sql": {Data: []byte("-- depends: stg.left2, stg.right\n-- check: not_null v\n" +
			"SELECT id, v, current_setting('threads') AS threads FROM stg.left2 UNION ALL SELECT id, v, current_setting('threads') FROM stg.right")},
		"models/mart/big.sql": {Data: []byte("-- depends: raw.big\nSELECT count(*) AS n, sum(id) AS total, current_setting('threads') AS threads FROM raw.big")},
	}
	p, err := transforms.Load(files)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// sideBySideDB is an in-memory warehouse with DuckDB's threads set to 4,
// and n connections to it.
func sideBySideDB(t *testing.T, n int) (*sql.DB, []transforms.Execer) {
	t.Helper()
	ctx := context.Background()
	db, err := warehouse.Open("", warehouse.Options{Threads: 4})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	for _, s := range []string{"CREATE SCHEMA raw", "CREATE SCHEMA stg", "CREATE SCHEMA mart",
		"CREATE TABLE raw.x AS SELECT range AS id, range % 7 AS v FROM range(1000)",
		fmt.Sprintf("CREATE TABLE raw.big AS SELECT range AS id FROM range(%d)", transforms.ParallelRows)} {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	var conns []transforms.Execer
	for range n {
		c, err := db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		conns = append(conns, c)
	}
	return db, conns
}

// tableRows is every row of a table, sorted, as text.
func tableRows(t *testing.T, db *sql.DB, table string) string {
	t.Helper()
	var s sql.NullString
	if err := db.QueryRow("SELECT string_agg(CAST(x AS VARCHAR), '; ' ORDER BY CAST(x AS VARCHAR)) FROM " + table + " x").Scan(&s); err != nil {
		t.Fatalf("%s: %v", table, err)
	}
	return s.String
}

// TestBuildStagedOnMatchesOneConnection: models built side by side on two
// connections, the longest chain first, come out as they do one at a time
// on one, on a first build
// and on a rebuild that keeps some models; a model runs only after the
// models it reads (else it would fail on their missing staged tables);
// small models run on one thread each and the big one alone on all four;
// DuckDB's setting is put back afterwards.
func TestBuildStagedOnMatchesOneConnection(t *testing.T) {
	ctx := context.Background()
	p := sideBySideProject(t, false)
	oneDB, one := sideBySideDB(t, 1)
	twoDB, two := sideBySideDB(t, 2)

	var lastOne, lastTwo *transforms.Result
	for step, change := range []string{"", "UPDATE raw.x SET v = v + 1 WHERE id = 3"} {
		inputs := map[string]string{"raw.x": fmt.Sprint("x", step), "raw.big": "big"}
		for _, db := range []*sql.DB{oneDB, twoDB} {
			if change != "" {
				if _, err := db.Exec(change); err != nil {
					t.Fatal(err)
				}
			}
		}
		resOne, err := p.BuildStaged(ctx, one[0], nextState(lastOne, inputs, "g", "g"), nil)
		if err != nil {
			t.Fatal(err)
		}
		var order []string
		resTwo, err := p.BuildStagedOn(ctx, two, nextState(lastTwo, inputs, "g", "g"), func(i, n int, m string) { order = append(order, m) })
		if err != nil {
			t.Fatal(err)
		}
		// stg.base has the longest chain of readers after it (three), and
		// mart.big none, though it comes first in dependency order.
		if step == 0 && (len(order) == 0 || order[0] != "stg.base") {
			t.Errorf("models started in the order %v, want stg.base first", order)
		}
		if len(order) != len(p.Models) {
			t.Errorf("step %d: progress told of %d models, want %d: %v", step, len(order), len(p.Models), order)
		}
		for i, m := range p.Models {
			a, b := resOne.Models[i], resTwo.Models[i]
			if a.Model != m.Name || b.Model != m.Name {
				t.Fatalf("step %d: results out of order: %s, %s, want %s", step, a.Model, b.Model, m.Name)
			}
			if a.Kept != b.Kept || a.Unchanged != b.Unchanged || a.Output != b.Output || a.Rows != b.Rows || a.Fingerprint != b.Fingerprint {
				t.Errorf("step %d: %s one connection %+v, two %+v", step, m.Name, a, b)
			}
		}
		if step == 1 {
			var kept []string
			for _, m := range resTwo.Models {
				if m.Kept {
					kept = append(kept, m.Model)
				}
			}
			if strings.Join(kept, " ") != "mart.big stg.left2" {
				t.Errorf("step 1 kept %v, want stg.left2 (stg.left came out unchanged) and mart.big", kept)
			}
		}
		for i := range resOne.Checks {
			if a, b := resOne.Checks[i], resTwo.Checks[i]; a.Status != b.Status || a.FailingRows != b.FailingRows || a.Carried != b.Carried {
				t.Errorf("step %d: check %s one connection %+v, two %+v", step, a.Check.Name, a, b)
			}
		}
		swapIn(t, oneDB, p, resOne)
		swapIn(t, twoDB, p, resTwo)
		lastOne, lastTwo = resOne, resTwo

		for _, m := range p.Models {
			cols := "* EXCLUDE (threads)"
			if got, want := tableRows(t, twoDB, "(SELECT "+cols+" FROM "+m.Name+")"), tableRows(t, oneDB, "(SELECT "+cols+" FROM "+m.Name+")"); got != want {
				t.Errorf("step %d: %s built side by side:\n%s\none at a time:\n%s", step, m.Name, got, want)
			}
		}
	}
	// One connection: DuckDB's setting throughout. Two: one thread per
	// small model, all four for the big one.
	for db, want := range map[*sql.DB]map[string]string{
		oneDB: {"stg.base": "4", "stg.left": "4", "stg.right": "4", "stg.left2": "4", "mart.both": "4", "mart.big": "4"},
		twoDB: {"stg.base": "1", "stg.left": "1", "stg.right": "1", "stg.left2": "1", "mart.both": "1", "mart.big": "4"},
	} {
		for m, threads := range want {
			if got := tableRows(t, db, "(SELECT DISTINCT threads FROM "+m+")"); got != "{'threads': "+threads+"}" {
				t.Errorf("%s built with threads %s, want %s", m, got, threads)
			}
		}
		var threads int
		if err := db.QueryRow("SELECT CAST(current_setting('threads') AS INTEGER)").Scan(&threads); err != nil || threads != 4 {
			t.Errorf("threads after the build: %d (%v), want 4 as before", threads, err)
		}
	}
}

// TestBuildStagedOnStopsAtAFailingModel: a model that fails ends the build
// with an error naming it, whatever runs beside it, and DropStaged leaves
// nothing of the build behind.
func TestBuildStagedOnStopsAtAFailingModel(t *testing.T) {
	ctx := context.Background()
	p := sideBySideProject(t, true)
	db, conns := sideBySideDB(t, 2)
	res, err := p.BuildStagedOn(ctx, conns, nil, nil)
	if err == nil || !strings.Contains(err.Error(), "building model stg.right") {
		t.Fatalf("err = %v, want one naming stg.right", err)
	}
	for _, m := range res.Models {
		if m.Model == "stg.right" || m.Model == "mart.both" {
			t.Errorf("%s reported built", m.Model)
		}
	}
	if err := p.DropStaged(ctx, conns[0]); err != nil {
		t.Fatal(err)
	}
	var left int
	if err := db.QueryRow("SELECT count(*) FROM duckdb_tables() WHERE table_name LIKE '%" + transforms.StageSuffix + "'").Scan(&left); err != nil || left != 0 {
		t.Errorf("%d staged tables left (%v)", left, err)
	}
}
