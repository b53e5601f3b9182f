package transforms_test

import (
	"context"
	"errors"
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
