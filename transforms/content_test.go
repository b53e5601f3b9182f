package transforms_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/edwh/edwh/transforms"
)

// TestBuildStagedKeepsReadersOfUnchangedModels: a model rebuilt with the
// same rows as its last table keeps that table, and the models reading it
// are kept; any change of rows, values or column types rebuilds them. Each
// step changes raw.x, then builds and swaps with the state the step before
// recorded, as the pipeline does; mart.c must always equal what a full
// build would give.
func TestBuildStagedKeepsReadersOfUnchangedModels(t *testing.T) {
	ctx := context.Background()
	db := memDB(t, "CREATE SCHEMA raw", "CREATE SCHEMA stg", "CREATE SCHEMA mart",
		"CREATE TABLE raw.x AS SELECT * FROM (VALUES (1, 'a'), (2, 'b'), (3, 'c')) t(id, v)")
	const distinctIDs = "-- depends: stg.a\n-- check: unique id\nSELECT DISTINCT id FROM stg.a"
	project := func(bSQL string) *transforms.Project {
		p, err := transforms.Load(fstest.MapFS{
			"models/stg/a.sql":  {Data: []byte("-- depends: raw.x\nSELECT id, v FROM raw.x")},
			"models/stg/b.sql":  {Data: []byte(bSQL)},
			"models/mart/c.sql": {Data: []byte("-- depends: stg.b\nSELECT count(*) AS n, sum(id) AS total FROM stg.b")},
		})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	steps := []struct {
		name      string
		change    string // applied to raw.x first
		bSQL      string // stg.b's SQL; distinctIDs if empty
		global    string
		kept      string // models kept, sorted
		unchanged string // models rebuilt with the same rows, sorted
	}{
		{name: "first run builds everything", global: "g1"},
		{name: "nothing changed keeps everything", global: "g1", kept: "mart.c stg.a stg.b"},
		{name: "a repeated id leaves b's rows as they were, so c is kept",
			change: "INSERT INTO raw.x VALUES (1, 'again')", global: "g1", kept: "mart.c", unchanged: "stg.b"},
		{name: "a new id changes b and rebuilds c",
			change: "INSERT INTO raw.x VALUES (4, 'd')", global: "g1"},
		{name: "the same number of rows with another value is a change",
			change: "UPDATE raw.x SET id = 14 WHERE id = 4", global: "g1"},
		{name: "a model rewritten to give the same rows keeps its readers",
			change: "INSERT INTO raw.x VALUES (2, 'again')", bSQL: "-- depends: stg.a\n-- check: unique id\nSELECT id FROM stg.a GROUP BY id",
			global: "g1", kept: "mart.c", unchanged: "stg.b"},
		{name: "the same values in a column of another type are a change",
			change: "INSERT INTO raw.x VALUES (3, 'again')", bSQL: "-- depends: stg.a\n-- check: unique id\nSELECT DISTINCT CAST(id AS BIGINT) AS id FROM stg.a",
			// c's count and sum have the same types and values either way.
			global: "g1", unchanged: "mart.c"},
		{name: "a new parameter rebuilds everything without comparing",
			bSQL: "-- depends: stg.a\n-- check: unique id\nSELECT DISTINCT CAST(id AS BIGINT) AS id FROM stg.a", global: "g2"},
	}
	var last *transforms.Result
	lastGlobal, rawFP := "", "0"
	for i, s := range steps {
		if s.change != "" {
			if _, err := db.Exec(s.change); err != nil {
				t.Fatal(err)
			}
		}
		if s.bSQL == "" {
			s.bSQL = distinctIDs
		}
		p := project(s.bSQL)
		if s.change != "" {
			rawFP = fmt.Sprint(i) // raw.x's fingerprint changes with it
		}
		st := nextState(last, map[string]string{"raw.x": rawFP}, s.global, lastGlobal)
		res, err := p.BuildStaged(ctx, db, st, nil)
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		swapIn(t, db, p, res)
		var kept, unchanged []string
		for _, m := range res.Models {
			if m.Kept {
				kept = append(kept, m.Model)
			}
			if m.Unchanged {
				unchanged = append(unchanged, m.Model)
			}
		}
		sort.Strings(kept)
		sort.Strings(unchanged)
		if got := strings.Join(kept, " "); got != s.kept {
			t.Errorf("%s: kept %q, want %q", s.name, got, s.kept)
		}
		if got := strings.Join(unchanged, " "); got != s.unchanged {
			t.Errorf("%s: rebuilt unchanged %q, want %q", s.name, got, s.unchanged)
		}
		for _, c := range res.Checks {
			if want := strings.Contains(s.kept+" "+s.unchanged, "stg.b"); c.Carried != want {
				t.Errorf("%s: check %s carried %v, want %v", s.name, c.Check.Name, c.Carried, want)
			}
		}
		// What every step must leave: mart.c as a full build gives it, the
		// column types stg.b's SQL gives, and no staged table.
		var same bool
		if err := db.QueryRow(`SELECT (SELECT n FROM mart.c) = (SELECT count(DISTINCT id) FROM raw.x)
			AND (SELECT total FROM mart.c) = (SELECT sum(DISTINCT id) FROM raw.x)`).Scan(&same); err != nil {
			t.Fatal(err)
		}
		if !same {
			t.Errorf("%s: mart.c differs from a full build", s.name)
		}
		var typ string
		var staged int
		db.QueryRow(`SELECT data_type FROM duckdb_columns() WHERE schema_name = 'stg' AND table_name = 'b'`).Scan(&typ)
		db.QueryRow("SELECT count(*) FROM duckdb_tables() WHERE suffix(table_name, ?)", transforms.StageSuffix).Scan(&staged)
		if wantBig := strings.Contains(s.bSQL, "BIGINT"); (typ == "BIGINT") != wantBig || staged != 0 {
			t.Errorf("%s: stg.b.id is %s, %d staged tables left", s.name, typ, staged)
		}
		last, lastGlobal = res, s.global
	}
}

// TestCustomChecksCarryOnlyWhatTheyRead: Verify records which models a
// custom check reads; a custom check that reads only kept models carries
// its last result, one that reads a raw table runs every time, and no check
// carries a result over from different SQL.
func TestCustomChecksCarryOnlyWhatTheyRead(t *testing.T) {
	ctx := context.Background()
	db := memDB(t, "CREATE SCHEMA raw", "CREATE SCHEMA stg", "CREATE TABLE raw.x AS SELECT 1 AS id")
	load := func(onlyModels string) *transforms.Project {
		p, err := transforms.Load(fstest.MapFS{
			"models/stg/a.sql":       {Data: []byte("-- depends: raw.x\n-- check: not_null id\nSELECT id FROM raw.x")},
			"checks/only_models.sql": {Data: []byte(onlyModels)},
			"checks/reads_raw.sql":   {Data: []byte("-- check: reads_raw\nSELECT * FROM stg.a WHERE id NOT IN (SELECT id FROM raw.x)")},
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := p.Verify(ctx, db); err != nil {
			t.Fatal(err)
		}
		return p
	}
	const first = "-- check: only_models\nSELECT * FROM stg.a WHERE id < 0"
	p := load(first)
	reads := map[string]string{}
	for _, c := range p.Checks {
		reads[c.Name] = strings.Join(c.Reads, " ")
	}
	if reads["only_models"] != "stg.a" || reads["reads_raw"] != "" {
		t.Errorf("custom checks read %q and %q, want stg.a and nothing recorded (it reads raw.x)", reads["only_models"], reads["reads_raw"])
	}
	st := &transforms.State{Inputs: map[string]string{"raw.x": "1"}, Global: "g", Built: map[string]string{}, Checks: map[string]transforms.CheckResult{}}
	res, err := p.Build(ctx, db, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range res.Models {
		st.Built[m.Model] = m.Fingerprint
	}
	for _, c := range res.Checks {
		st.Checks[c.Check.Name] = c
	}
	for _, tc := range []struct {
		name    string
		sql     string
		carried string // checks carried, sorted
	}{
		{name: "the same checks on kept models", sql: first, carried: "not_null(stg.a.id) only_models"},
		{name: "a check whose SQL changed runs again", sql: "-- check: only_models\nSELECT * FROM stg.a WHERE id < 1", carried: "not_null(stg.a.id)"},
	} {
		res, err := load(tc.sql).Build(ctx, db, st, nil)
		if err != nil {
			t.Fatal(err)
		}
		var carried []string
		for _, c := range res.Checks {
			if c.Carried {
				carried = append(carried, c.Check.Name)
			}
		}
		sort.Strings(carried)
		if got := strings.Join(carried, " "); got != tc.carried {
			t.Errorf("%s: carried %q, want %q", tc.name, got, tc.carried)
		}
	}
}
