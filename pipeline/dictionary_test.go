package pipeline

import (
	"context"
	"database/sql/driver"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/edwh/edwh/connectors"
	"github.com/edwh/edwh/pipeline/warehouse"
	edwhsql "github.com/edwh/edwh/sql"
	"github.com/edwh/edwh/transforms"
)

// publishedColumns builds every model on empty source tables, the way a run
// does, and the snapshot's ops tables with the queries publish uses, and
// returns the columns of everything published: table -> columns in order.
func publishedColumns(t *testing.T) map[string][]string {
	t.Helper()
	ctx := context.Background()
	db, err := warehouse.Open("", warehouse.Options{
		Init: func(ctx context.Context, ex driver.ExecerContext) error {
			if err := setParameters(ctx, ex, paramValues(&Config{SuppressBelow: 6})); err != nil {
				return err
			}
			// A stand-in for the keyed hash (secret.initConn): same type.
			_, err := ex.ExecContext(ctx, "CREATE OR REPLACE TEMP MACRO edwh_pupil_key(u) AS sha256(u)", nil)
			return err
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	// Temp macros and variables live on a connection: keep to one.
	db.SetMaxOpenConns(1)
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	if err := warehouse.Migrate(ctx, conn); err != nil {
		t.Fatal(err)
	}
	for _, s := range Sources() {
		if err := connectors.EnsureTable(ctx, conn, s); err != nil {
			t.Fatal(err)
		}
	}
	project, err := transforms.Load(edwhsql.FS)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := project.Run(ctx, conn, nil); err != nil {
		t.Fatal(err)
	}

	// The snapshot's ops tables, built by the very queries publish runs,
	// into a schema of their own.
	if _, err := conn.ExecContext(ctx, "CREATE SCHEMA dict_snapshot"); err != nil {
		t.Fatal(err)
	}
	for _, o := range opsSnapshotTables(1) {
		if _, err := conn.ExecContext(ctx, fmt.Sprintf("CREATE TABLE dict_snapshot.%s AS %s", o.name, o.query)); err != nil {
			t.Fatalf("ops table %s: %v", o.name, err)
		}
	}

	rows, err := conn.QueryContext(ctx, `SELECT table_schema, table_name, column_name FROM information_schema.columns
		WHERE table_catalog = current_database() AND table_schema IN ('mart', 'dict_snapshot')
		ORDER BY table_schema, table_name, ordinal_position`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols := map[string][]string{}
	for rows.Next() {
		var schema, table, column string
		if err := rows.Scan(&schema, &table, &column); err != nil {
			t.Fatal(err)
		}
		cols[table] = append(cols[table], column)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}

	// Every mart model and ops table is there (and none shares a name).
	var want []string
	for _, m := range project.Models {
		if strings.HasPrefix(m.Name, "mart.") {
			want = append(want, strings.TrimPrefix(m.Name, "mart."))
		}
	}
	for _, o := range opsSnapshotTables(1) {
		want = append(want, o.name)
	}
	if len(cols) != len(want) {
		t.Fatalf("published tables %d, want %d (%v): a mart named like an ops table?", len(cols), len(want), want)
	}
	for _, w := range want {
		if len(cols[w]) == 0 {
			t.Fatalf("published table %s has no columns", w)
		}
	}
	return cols
}

func TestDictionaryDescribesEveryPublishedColumn(t *testing.T) {
	dict, err := LoadDictionary()
	if err != nil {
		t.Fatal(err)
	}
	cols := publishedColumns(t)

	tables := make([]string, 0, len(cols))
	for tb := range cols {
		tables = append(tables, tb)
	}
	sort.Strings(tables)

	var missing []string
	n := 0
	for _, tb := range tables {
		for _, c := range cols[tb] {
			n++
			if strings.TrimSpace(dict.Describe(tb, c)) == "" {
				missing = append(missing, tb+"."+c)
			}
		}
	}
	if len(missing) > 0 {
		t.Errorf("%d of %d published columns have no description in sql/dictionary.csv:\n  %s",
			len(missing), n, strings.Join(missing, "\n  "))
	}

	// No stale rows: a table's own row names a published table and column.
	// A "*" row is a default for any table, so it may be overridden
	// everywhere, but a column of its name must exist somewhere.
	exists := map[string]bool{}
	anywhere := map[string]bool{}
	for _, tb := range tables {
		for _, c := range cols[tb] {
			exists[tb+"."+c] = true
			anywhere[c] = true
		}
	}
	var stale []string
	for key, desc := range dict.entries {
		table, column, _ := strings.Cut(key, ".")
		switch {
		case strings.TrimSpace(desc) == "":
			stale = append(stale, key+" (empty description)")
		case column == "" && (table == "*" || len(cols[table]) == 0):
			stale = append(stale, key+" (describes a table that is not published)")
		case column == "":
		case table == "*" && !anywhere[column]:
			stale = append(stale, key+" (no published table has the column)")
		case table != "*" && !exists[key]:
			stale = append(stale, key+" (no such published column)")
		}
	}
	sort.Strings(stale)
	if len(stale) > 0 {
		t.Errorf("%d stale rows in sql/dictionary.csv:\n  %s", len(stale), strings.Join(stale, "\n  "))
	}
	t.Logf("%d published columns in %d tables, %d dictionary rows", n, len(tables), len(dict.entries))

	// Every published table has a table comment: a mart's from its model's
	// description, an ops table's from its row without a column.
	project, err := transforms.Load(edwhsql.FS)
	if err != nil {
		t.Fatal(err)
	}
	tableDoc := map[string]string{}
	for _, m := range project.Models {
		if strings.HasPrefix(m.Name, "mart.") {
			tableDoc[strings.TrimPrefix(m.Name, "mart.")] = m.Description
		}
	}
	for _, o := range opsSnapshotTables(1) {
		if _, dup := tableDoc[o.name]; dup {
			t.Errorf("ops table %s has the name of a mart", o.name)
		}
		tableDoc[o.name] = dict.TableDescription(o.name)
	}
	var undescribed []string
	for _, tb := range tables {
		if strings.TrimSpace(tableDoc[tb]) == "" {
			undescribed = append(undescribed, tb)
		}
	}
	if len(undescribed) > 0 {
		t.Errorf("published tables with no table comment (a mart: its model's description; an ops table: a row %q in sql/dictionary.csv): %v",
			"table,,description", undescribed)
	}
}
