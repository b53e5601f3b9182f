package transforms_test

import (
	"context"
	"errors"
	"sort"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/edwh/edwh/pipeline/warehouse"
	edwhsql "github.com/edwh/edwh/sql"
	"github.com/edwh/edwh/transforms"
)

func TestLoadOrdersByDependency(t *testing.T) {
	fsys := fstest.MapFS{
		"models/mart/b.sql": {Data: []byte("-- depends: stg.a\nSELECT * FROM stg.a")},
		"models/stg/a.sql":  {Data: []byte("-- depends: raw.x\nSELECT * FROM raw.x")},
		"models/mart/c.sql": {Data: []byte("-- depends: mart.b, stg.a\nSELECT * FROM mart.b JOIN stg.a USING (id)")},
	}
	p, err := transforms.Load(fsys)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, m := range p.Models {
		names = append(names, m.Name)
	}
	if got := strings.Join(names, " "); got != "stg.a mart.b mart.c" {
		t.Errorf("order %q", got)
	}
}

func TestLoadRejects(t *testing.T) {
	tests := []struct {
		name string
		fs   fstest.MapFS
		want string
	}{
		{"cycle", fstest.MapFS{
			"models/stg/a.sql": {Data: []byte("-- depends: stg.b\nSELECT * FROM stg.b")},
			"models/stg/b.sql": {Data: []byte("-- depends: stg.a\nSELECT * FROM stg.a")},
		}, "cycle"},
		{"unknown dependency", fstest.MapFS{
			"models/stg/a.sql": {Data: []byte("-- depends: stg.nope\nSELECT 1")},
		}, "neither a model"},
		{"two statements", fstest.MapFS{
			"models/stg/a.sql": {Data: []byte("SELECT 1;\nDROP TABLE x;")},
		}, "exactly one SELECT"},
		{"unknown check", fstest.MapFS{
			"models/stg/a.sql": {Data: []byte("-- check: positive x\nSELECT 1 AS x")},
		}, "unknown check"},
		{"partition without a column", fstest.MapFS{
			"models/stg/a.sql": {Data: []byte("-- depends: raw.x\n-- partition: part -> \nSELECT 1 AS part")},
		}, "partition is"},
		{"partition column not an identifier", fstest.MapFS{
			"models/stg/a.sql": {Data: []byte("-- depends: raw.x\n-- partition: part; DROP TABLE x\nSELECT 1 AS part")},
		}, "partition is"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := transforms.Load(tt.fs)
			if !errors.Is(err, transforms.ErrModel) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err %v, want %q", err, tt.want)
			}
		})
	}
}

func TestVerifyCatchesUndeclaredReads(t *testing.T) {
	db, err := warehouse.Open("", warehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	fsys := fstest.MapFS{
		"models/stg/a.sql": {Data: []byte("-- depends: raw.x\nSELECT * FROM raw.x")},
		// Reads stg.a through a CTE and a subquery, declares only raw.x.
		"models/mart/b.sql": {Data: []byte("-- depends: raw.x\nWITH t AS (SELECT * FROM raw.x) SELECT * FROM t WHERE id IN (SELECT id FROM stg.a)")},
	}
	p, err := transforms.Load(fsys)
	if err != nil {
		t.Fatal(err)
	}
	err = p.Verify(context.Background(), db)
	if err == nil || !strings.Contains(err.Error(), "reads stg.a but does not declare it") {
		t.Errorf("err %v", err)
	}
}

func TestRunModelsAndChecks(t *testing.T) {
	ctx := context.Background()
	db, err := warehouse.Open("", warehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, s := range []string{
		"CREATE SCHEMA raw", "CREATE SCHEMA stg", "CREATE SCHEMA mart",
		"CREATE TABLE raw.x AS SELECT * FROM (VALUES (1, 'a'), (2, 'b'), (2, 'z'), (3, NULL)) t(id, code)",
	} {
		if _, err := db.Exec(s); err != nil {
			t.Fatal(err)
		}
	}
	fsys := fstest.MapFS{
		"models/stg/a.sql": {Data: []byte(`-- The a model.
-- depends: raw.x
-- check: not_null code
-- check: unique id
-- check: accepted_values code = 'a', 'b'
-- check: relationships id -> mart.ids.id (warn)
SELECT * FROM raw.x`)},
		"models/mart/ids.sql": {Data: []byte("-- depends: raw.x\nSELECT DISTINCT id FROM raw.x WHERE id < 3")},
		"checks/custom.sql":   {Data: []byte("-- check: no_threes\n-- severity: warn\n-- description: no id 3\nSELECT * FROM stg.a WHERE id = 3")},
	}
	p, err := transforms.Load(fsys)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Verify(ctx, db); err != nil {
		t.Fatal(err)
	}
	res, err := p.Run(ctx, db, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]struct {
		status string
		rows   int64
	}{
		"not_null(stg.a.code)":                   {"fail", 1},
		"unique(stg.a: id)":                      {"fail", 1},
		"accepted_values(stg.a.code)":            {"fail", 1},
		"relationships(stg.a.id -> mart.ids.id)": {"fail", 1},
		"no_threes":                              {"fail", 1},
	}
	for _, c := range res.Checks {
		w, ok := want[c.Check.Name]
		if !ok {
			t.Errorf("unexpected check %s", c.Check.Name)
			continue
		}
		if c.Status != w.status || c.FailingRows != w.rows {
			t.Errorf("%s: %s %d, want %s %d (%v)", c.Check.Name, c.Status, c.FailingRows, w.status, w.rows, c.Err)
		}
	}
	if n := len(res.Failed()); n != 3 {
		t.Errorf("%d blocking failures, want 3 (the warn ones do not block)", n)
	}
	if p.Model("stg.a").Description != "The a model." {
		t.Errorf("description %q", p.Model("stg.a").Description)
	}
}

// The project's own models must load, order and verify.
func TestEmbeddedModelsVerify(t *testing.T) {
	p, err := transforms.Load(edwhsql.FS)
	if err != nil {
		t.Fatal(err)
	}
	db, err := warehouse.Open("", warehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := p.Verify(context.Background(), db); err != nil {
		t.Fatal(err)
	}
	if p.Model("mart.pupils") == nil || len(p.Checks) < 5 {
		t.Errorf("models %d checks %d", len(p.Models), len(p.Checks))
	}
}

// TestBuildKeepsWhatDidNotChange builds a small project twice: models whose
// inputs kept their fingerprints are kept (their tables not rebuilt), the
// rest are rebuilt, and checks that read only kept models carry over.
func TestBuildKeepsWhatDidNotChange(t *testing.T) {
	ctx := context.Background()
	fsys := fstest.MapFS{
		"models/stg/a.sql":    {Data: []byte("-- depends: raw.x\n-- check: not_null id\nSELECT id FROM raw.x")},
		"models/stg/b.sql":    {Data: []byte("-- depends: raw.y\n-- check: not_null id\nSELECT id FROM raw.y")},
		"models/mart/ab.sql":  {Data: []byte("-- depends: stg.a, stg.b\nSELECT id FROM stg.a UNION ALL SELECT id FROM stg.b")},
		"models/mart/cfg.sql": {Data: []byte("-- depends: ops.settings\nSELECT * FROM ops.settings")},
		"checks/custom.sql":   {Data: []byte("-- check: custom\nSELECT * FROM stg.b WHERE id < 0")},
	}
	p, err := transforms.Load(fsys)
	if err != nil {
		t.Fatal(err)
	}
	// Each step changes the inputs (cumulatively) and Global, then builds
	// with the fingerprints the previous step recorded.
	type step struct {
		name   string
		change func(in map[string]string)
		global string
		kept   string // models kept, sorted
		fresh  bool   // build with no State at all
	}
	steps := []step{
		{name: "first run builds everything", change: func(map[string]string) {}, global: "g1"},
		{name: "nothing changed keeps everything", change: func(map[string]string) {}, global: "g1", kept: "mart.ab mart.cfg stg.a stg.b"},
		{name: "new rows in raw.y rebuild b and what reads it", change: func(in map[string]string) { in["raw.y"] = "y2" }, global: "g1", kept: "mart.cfg stg.a"},
		{name: "a settings change rebuilds only its model", change: func(in map[string]string) { in["ops.settings"] = "s2" }, global: "g1", kept: "mart.ab stg.a stg.b"},
		{name: "a parameter change rebuilds everything", change: func(map[string]string) {}, global: "g2"},
		{name: "an input nobody fingerprinted rebuilds its readers", change: func(in map[string]string) { delete(in, "raw.y") }, global: "g2", kept: "mart.cfg stg.a"},
		{name: "no state rebuilds everything", change: func(map[string]string) {}, global: "g2", fresh: true},
	}
	inputs := map[string]string{"raw.x": "x1", "raw.y": "y1", "ops.settings": "s1"}
	// The last results, with the fingerprints of the checks' SQL as run.
	checks := map[string]transforms.CheckResult{}
	for _, c := range p.Checks {
		checks[c.Name] = transforms.CheckResult{Status: "pass", Fingerprint: c.Fingerprint()}
	}
	db, err := warehouse.Open("", warehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, s := range []string{"CREATE SCHEMA raw", "CREATE SCHEMA stg", "CREATE SCHEMA mart", "CREATE SCHEMA ops",
		"CREATE TABLE raw.x AS SELECT 1 AS id", "CREATE TABLE raw.y AS SELECT 2 AS id", "CREATE TABLE ops.settings AS SELECT 'k' AS k"} {
		if _, err := db.Exec(s); err != nil {
			t.Fatal(err)
		}
	}
	var prev map[string]string
	for _, st := range steps {
		// Each step changes raw.y's content, so a kept mart.ab shows the
		// old rows and a rebuilt one the new.
		if _, err := db.Exec("INSERT INTO raw.y VALUES (3)"); err != nil {
			t.Fatal(err)
		}
		st.change(inputs)
		var state *transforms.State
		if !st.fresh {
			state = &transforms.State{Inputs: inputs, Global: st.global, Built: prev, Checks: checks}
		}
		res, err := p.Build(ctx, db, state, nil)
		if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		var kept []string
		prev = map[string]string{}
		for _, m := range res.Models {
			if m.Kept {
				kept = append(kept, m.Model)
			}
			prev[m.Model] = m.Fingerprint
		}
		var abRows, rawRows int
		db.QueryRow("SELECT count(*) FROM mart.ab").Scan(&abRows)
		db.QueryRow("SELECT (SELECT count(*) FROM raw.x) + (SELECT count(*) FROM raw.y)").Scan(&rawRows)
		if rebuilt := !strings.Contains(st.kept, "mart.ab"); rebuilt != (abRows == rawRows) {
			t.Errorf("%s: mart.ab has %d rows, raw %d: a rebuilt table must show every row, a kept one the old rows", st.name, abRows, rawRows)
		}
		sort.Strings(kept)
		if got := strings.Join(kept, " "); got != st.kept {
			t.Errorf("%s: kept %q, want %q", st.name, got, st.kept)
		}
		for _, c := range res.Checks {
			// A check carries over exactly when its model was kept; custom
			// checks always run.
			wantCarried := c.Check.Name != "custom" && strings.Contains(" "+st.kept+" ", " "+c.Check.Model+" ")
			if c.Carried != wantCarried {
				t.Errorf("%s: check %s carried %v, want %v", st.name, c.Check.Name, c.Carried, wantCarried)
			}
		}
	}
	// A kept table whose table has gone is rebuilt.
	if _, err := db.Exec("DROP TABLE stg.a"); err != nil {
		t.Fatal(err)
	}
	res, err := p.Build(ctx, db, &transforms.State{Inputs: inputs, Global: "g2", Built: prev}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range res.Models {
		if m.Model == "stg.a" && m.Kept {
			t.Errorf("a dropped table was not rebuilt: %+v", m)
		}
	}
}

// The unique check groups by a hash of the key first: it must still find
// exactly the duplicated keys, NULLs grouped as GROUP BY groups them, and
// no more.
func TestUniqueCheck(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name   string
		rows   string // VALUES of (a, b)
		cols   string
		status string
		groups int64
	}{
		{"no duplicates", "(1, 'x'), (2, 'x'), (3, 'y')", "a", "pass", 0},
		{"one duplicated key", "(1, 'x'), (2, 'x'), (2, 'y')", "a", "fail", 1},
		{"two duplicated keys, one thrice", "(1, 'x'), (1, 'x'), (2, 'y'), (2, 'y'), (2, 'z')", "a", "fail", 2},
		{"pairs unique though each column repeats", "(1, 'x'), (1, 'y'), (2, 'x'), (2, 'y')", "a, b", "pass", 0},
		{"a duplicated pair", "(1, 'x'), (1, 'y'), (1, 'x')", "a, b", "fail", 1},
		{"NULL keys repeat as GROUP BY sees them", "(NULL, 'x'), (NULL, 'x'), (1, NULL)", "a, b", "fail", 1},
		{"NULL in one column only", "(NULL, 'x'), (NULL, 'y')", "a, b", "pass", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db, err := warehouse.Open("", warehouse.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			for _, s := range []string{"CREATE SCHEMA raw", "CREATE SCHEMA stg", "CREATE SCHEMA mart",
				"CREATE TABLE raw.x AS SELECT * FROM (VALUES " + tt.rows + ") t(a, b)"} {
				if _, err := db.Exec(s); err != nil {
					t.Fatal(err)
				}
			}
			p, err := transforms.Load(fstest.MapFS{"models/stg/u.sql": {Data: []byte(
				"-- depends: raw.x\n-- check: unique " + tt.cols + "\nSELECT * FROM raw.x")}})
			if err != nil {
				t.Fatal(err)
			}
			res, err := p.Run(ctx, db, nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Checks) != 1 {
				t.Fatalf("%d checks", len(res.Checks))
			}
			c := res.Checks[0]
			if c.Status != tt.status || c.FailingRows != tt.groups {
				t.Errorf("%s: %s with %d failing rows, want %s with %d (%v)", c.Check.Name, c.Status, c.FailingRows, tt.status, tt.groups, c.Err)
			}
		})
	}
}

// BuildStaged builds every model as a committed <model>__build table that
// the models and checks after it read, and leaves the models' own tables
// alone until Swap; a model whose name starts with another's reads its own
// staged table, not the other's.
func TestBuildStagedSwapsOnlyWhenAsked(t *testing.T) {
	ctx := context.Background()
	db, err := warehouse.Open("", warehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	for _, s := range []string{
		"CREATE SCHEMA raw", "CREATE SCHEMA stg", "CREATE SCHEMA mart",
		"CREATE TABLE raw.x AS SELECT * FROM (VALUES (1), (2), (3)) t(id)",
		// What the last run left: models built from an older raw.x.
		"CREATE TABLE stg.a AS SELECT 100 AS id",
		"CREATE TABLE stg.a_la AS SELECT 100 AS id",
		"CREATE TABLE mart.c AS SELECT 100 AS total",
	} {
		if _, err := db.Exec(s); err != nil {
			t.Fatal(err)
		}
	}
	fsys := fstest.MapFS{
		"models/stg/a.sql":    {Data: []byte("-- depends: raw.x\n-- check: unique id\nSELECT id FROM raw.x")},
		"models/stg/a_la.sql": {Data: []byte("-- depends: raw.x\nSELECT id * 10 AS id FROM raw.x")},
		"models/mart/c.sql":   {Data: []byte("-- depends: stg.a, stg.a_la\nSELECT (SELECT sum(id) FROM stg.a) + (SELECT sum(id) FROM stg.a_la) AS total")},
		"checks/c_total.sql":  {Data: []byte("-- check: c_total\n-- description: the total of both\nSELECT * FROM mart.c WHERE total <> 66")},
	}
	p, err := transforms.Load(fsys)
	if err != nil {
		t.Fatal(err)
	}
	res, err := p.BuildStaged(ctx, db, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range res.Checks {
		if c.Status != "pass" {
			t.Errorf("%s: %s %d (%v): the checks must read the staged tables", c.Check.Name, c.Status, c.FailingRows, c.Err)
		}
	}
	total := func(table string) int64 {
		t.Helper()
		var n int64
		if err := db.QueryRow("SELECT total FROM " + table).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if got := total("mart.c__build"); got != 66 {
		t.Errorf("staged mart.c = %d, want 66 (1+2+3 from stg.a__build and 10+20+30 from stg.a_la__build)", got)
	}
	if got := total("mart.c"); got != 100 {
		t.Errorf("mart.c = %d before Swap, want the last run's 100", got)
	}
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Swap(ctx, tx, res); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if got := total("mart.c"); got != 66 {
		t.Errorf("mart.c = %d after Swap, want 66", got)
	}
	stagedLeft := func() int {
		t.Helper()
		var n int
		if err := db.QueryRow("SELECT count(*) FROM duckdb_tables() WHERE suffix(table_name, ?)", transforms.StageSuffix).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := stagedLeft(); n != 0 {
		t.Errorf("%d staged tables left after Swap", n)
	}

	// A run that stops before Swap leaves staged tables for DropStaged.
	if _, err := p.BuildStaged(ctx, db, nil, nil); err != nil {
		t.Fatal(err)
	}
	if err := p.DropStaged(ctx, db); err != nil {
		t.Fatal(err)
	}
	if n := stagedLeft(); n != 0 {
		t.Errorf("%d staged tables left after DropStaged", n)
	}
}
