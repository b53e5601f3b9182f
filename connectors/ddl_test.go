package connectors

import (
	"context"
	"testing"

	"github.com/edwh/edwh/pipeline/warehouse"
)

// EnsureTable creates a source's raw table whole on a new deployment, and
// on an older one adds only the columns and comments it lacks, keeping the
// rows it holds; a table that has everything gets no DDL at all.
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
	for _, tc := range []struct {
		name  string
		setup []string // an older deployment's table, if any
		ddl   int      // statements missingDDL returns before EnsureTable
	}{
		{"new deployment", nil, 5}, // the CREATE and four comments (score, result, result_status, _problems)
		{"older table lacking a column and its comments", []string{
			`CREATE TABLE raw.ddl (_load_id INTEGER NOT NULL, _file VARCHAR NOT NULL, _line BIGINT NOT NULL, upn VARCHAR, score DOUBLE)`,
			`INSERT INTO raw.ddl (_load_id, _file, _line, upn, score) VALUES (1, 'old.csv', 2, 'A123', 101)`,
		}, 7}, // result, result_status and _problems, and the four comments
		{"older table with an outdated comment", []string{
			`CREATE TABLE raw.ddl (_load_id INTEGER NOT NULL, _file VARCHAR NOT NULL, _line BIGINT NOT NULL, upn VARCHAR, score DOUBLE,
				result DOUBLE, result_status VARCHAR, _problems ` + problemsType + `)`,
			`INSERT INTO raw.ddl (_load_id, _file, _line, upn, score) VALUES (1, 'old.csv', 2, 'A123', 101)`,
			`COMMENT ON COLUMN raw.ddl.score IS 'what it used to say'`,
		}, 4}, // the four comments: three missing, one outdated
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
			// Every column, in tableDDL's order for a new table.
			var cols string
			if err := conn.QueryRowContext(ctx, `SELECT string_agg(column_name, ',' ORDER BY column_index) FROM duckdb_columns()
				WHERE schema_name = 'raw' AND table_name = 'ddl'`).Scan(&cols); err != nil {
				t.Fatal(err)
			}
			if want := "_load_id,_file,_line,upn,score,result,result_status,_problems"; cols != want {
				t.Errorf("columns %s, want %s", cols, want)
			}
			var comment string
			if err := conn.QueryRowContext(ctx, `SELECT comment FROM duckdb_columns() WHERE table_name = 'ddl' AND column_name = 'score'`).Scan(&comment); err != nil {
				t.Fatal(err)
			}
			if comment != "KS2_SCORE: the pupil's scaled score" {
				t.Errorf("score's comment %q", comment)
			}
			if tc.setup != nil {
				var n int
				if err := conn.QueryRowContext(ctx, `SELECT count(*) FROM raw.ddl WHERE upn = 'A123' AND score = 101`).Scan(&n); err != nil || n != 1 {
					t.Errorf("the older table's row: %d (%v), want 1", n, err)
				}
			}
			// Now complete: nothing more to do.
			if ddl, err := missingDDL(ctx, conn, src); err != nil || len(ddl) != 0 {
				t.Errorf("after EnsureTable, missingDDL = %q, %v; want none", ddl, err)
			}
		})
	}
}
