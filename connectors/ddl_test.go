package connectors

import (
	"context"
	"fmt"
	"testing"

	"github.com/edwh/edwh/pipeline/warehouse"
)

// EnsureTable creates a source's store table and raw view whole on a new
// deployment; moves an older deployment's raw table into a store table,
// rows and all; and otherwise adds only the columns and comments that are
// missing, making the view again only when the store gained columns. Tables
// that have everything get no DDL at all.
func TestEnsureTableCreatesOrWidensWithOnlyWhatIsMissing(t *testing.T) {
	src := &Source{
		Name:  "ddl",
		Table: "raw.ddl",
		Fields: []Field{
			{Name: "upn", Header: "UPN", Kind: UPN, Identifying: true},
			{Name: "score", Header: "KS2_SCORE", Kind: Number, Doc: "the pupil's scaled score"},
			{Name: "result", Header: "RESULT", Kind: Measure, Doc: "a published figure"},
		},
	}
	const (
		newOrder = "_load_id,_file,_line,upn,score,result,result_status,_problems"
		store    = `CREATE TABLE raw_rows.ddl (_load_id INTEGER NOT NULL, _file VARCHAR NOT NULL, _line BIGINT NOT NULL, upn VARCHAR, score DOUBLE`
		row      = `INSERT INTO raw_rows.ddl (_load_id, _file, _line, upn, score) VALUES (1, 'old.csv', 2, 'A123', 101)`
	)
	comment := func(col string) string {
		return fmt.Sprintf("COMMENT ON COLUMN raw.ddl.%s IS %s", col, quoteLit(columnComments(src)[col]))
	}
	for _, tc := range []struct {
		name  string
		setup []string // an older deployment's tables, if any
		ddl   int      // statements missingDDL returns before EnsureTable
		cols  string   // the view's columns after
	}{
		// The schema, the table and its comment, the view, and four
		// column comments (score, result, result_status, _problems).
		{"new deployment", nil, 8, newOrder},
		{"raw table from before store tables, lacking a column and its comments", []string{
			`CREATE TABLE raw.ddl (_load_id INTEGER NOT NULL, _file VARCHAR NOT NULL, _line BIGINT NOT NULL, upn VARCHAR, score DOUBLE)`,
			`INSERT INTO raw.ddl (_load_id, _file, _line, upn, score) VALUES (1, 'old.csv', 2, 'A123', 101)`,
		}, 12, newOrder}, // the schema, the copy and the drop; result, result_status, _problems and _quarantined; the view and four comments
		{"raw table from before store tables, with an outdated comment", []string{
			`CREATE TABLE raw.ddl (_load_id INTEGER NOT NULL, _file VARCHAR NOT NULL, _line BIGINT NOT NULL, upn VARCHAR, score DOUBLE,
				result DOUBLE, result_status VARCHAR, _problems ` + problemsType + `)`,
			`INSERT INTO raw.ddl (_load_id, _file, _line, upn, score) VALUES (1, 'old.csv', 2, 'A123', 101)`,
			`COMMENT ON COLUMN raw.ddl.score IS 'what it used to say'`,
		}, 9, newOrder}, // the schema, the copy and the drop; _quarantined; the view and four comments
		{"store table lacking a column", []string{
			"CREATE SCHEMA raw_rows",
			store + `, _problems ` + problemsType + `, _quarantined BOOLEAN)`, row,
			`CREATE VIEW raw.ddl AS SELECT _load_id, _file, _line, upn, score, _problems FROM raw_rows.ddl WHERE _quarantined IS NULL`,
			comment("score"),
		}, 7, "_load_id,_file,_line,upn,score,_problems,result,result_status"}, // result and result_status; the view and its four comments
		{"store table with everything, and an outdated comment", []string{
			"CREATE SCHEMA raw_rows",
			store + `, result DOUBLE, result_status VARCHAR, _problems ` + problemsType + `, _quarantined BOOLEAN)`, row,
			`CREATE VIEW raw.ddl AS SELECT _load_id, _file, _line, upn, score, result, result_status, _problems FROM raw_rows.ddl WHERE _quarantined IS NULL`,
			`COMMENT ON COLUMN raw.ddl.score IS 'what it used to say'`,
			comment("result"), comment("result_status"), comment("_problems"),
		}, 1, newOrder}, // the one comment
	} {
		t.Run(tc.name, func(t *testing.T) {
			db, err := warehouse.Open("", warehouse.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			db.SetMaxOpenConns(1)
			ctx := context.Background()
			conn, err := db.Conn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			for _, q := range append([]string{"CREATE SCHEMA raw"}, tc.setup...) {
				if _, err := conn.ExecContext(ctx, q); err != nil {
					t.Fatal(err)
				}
			}
			ddl, err := missingDDL(ctx, conn, src)
			if err != nil {
				t.Fatal(err)
			}
			if len(ddl) != tc.ddl {
				t.Errorf("missingDDL: %d statements, want %d: %q", len(ddl), tc.ddl, ddl)
			}
			if err := EnsureTable(ctx, conn, src); err != nil {
				t.Fatal(err)
			}
			// Every column of the view, in the store's order.
			var cols string
			if err := conn.QueryRowContext(ctx, `SELECT string_agg(column_name, ',' ORDER BY column_index) FROM duckdb_columns()
				WHERE schema_name = 'raw' AND table_name = 'ddl'`).Scan(&cols); err != nil {
				t.Fatal(err)
			}
			if cols != tc.cols {
				t.Errorf("columns %s, want %s", cols, tc.cols)
			}
			var comment string
			if err := conn.QueryRowContext(ctx, `SELECT comment FROM duckdb_columns() WHERE schema_name = 'raw' AND table_name = 'ddl' AND column_name = 'score'`).Scan(&comment); err != nil {
				t.Fatal(err)
			}
			if comment != "KS2_SCORE: the pupil's scaled score" {
				t.Errorf("score's comment %q", comment)
			}
			var n int
			if tc.setup != nil {
				if err := conn.QueryRowContext(ctx, `SELECT count(*) FROM raw.ddl WHERE upn = 'A123' AND score = 101`).Scan(&n); err != nil || n != 1 {
					t.Errorf("the older table's row: %d (%v), want 1", n, err)
				}
			}
			if err := conn.QueryRowContext(ctx, `SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'raw'`).Scan(&n); err != nil || n != 0 {
				t.Errorf("tables left in schema raw: %d (%v), want none (only the view)", n, err)
			}

			// A quarantined row a killed load left: the view never shows
			// it, and the next EnsureTable deletes it.
			if _, err := conn.ExecContext(ctx, `INSERT INTO raw_rows.ddl (_load_id, _file, _line, upn, _quarantined) VALUES (2, 'new.csv', 7, 'B999', true)`); err != nil {
				t.Fatal(err)
			}
			if err := conn.QueryRowContext(ctx, `SELECT count(*) FROM raw.ddl WHERE _load_id = 2`).Scan(&n); err != nil || n != 0 {
				t.Errorf("the view shows %d quarantined rows (%v), want none", n, err)
			}
			if err := EnsureTable(ctx, conn, src); err != nil {
				t.Fatal(err)
			}
			if err := conn.QueryRowContext(ctx, `SELECT count(*) FROM raw_rows.ddl WHERE _load_id = 2`).Scan(&n); err != nil || n != 0 {
				t.Errorf("the store table kept %d quarantined rows (%v), want none", n, err)
			}

			// Now complete: nothing more to do.
			if ddl, err := missingDDL(ctx, conn, src); err != nil || len(ddl) != 0 {
				t.Errorf("after EnsureTable, missingDDL = %q, %v; want none", ddl, err)
			}
		})
	}
}
