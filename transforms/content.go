package transforms

import (
	"context"
	"fmt"
	"strconv"
	"strings"
)

// readers reports which models some other model reads.
func (p *Project) readers() map[string]bool {
	r := map[string]bool{}
	for _, m := range p.Models {
		for _, d := range m.Depends {
			r[d] = true
		}
	}
	return r
}

// sameContent reports whether the staged table of a rebuilt model holds
// the same rows and columns as the model's table from the last run, and
// returns the staged table's Content where it worked it out.
//
// Content is "<rows>|<columns>|<sum of row hashes>": the column names and
// types in order (a renamed or retyped column is a change even where the
// values hash alike), and the sum of DuckDB's hash of each whole row, which
// is order-sensitive within a row and independent of the rows' order. Two
// tables with different rows come out the same only if the sums of their
// 64-bit row hashes collide exactly: about one chance in 2^64 for a change
// nobody crafted to collide, and edwh's tables are built from its own SQL.
// The row count and the columns are compared first, so a table that grew
// or changed shape is never hashed.
//
// last is the old table's Content as recorded by the last run, or "": then
// the old table is hashed too.
func sameContent(ctx context.Context, db Execer, model, staged string, rows int64, last string) (bool, string, error) {
	cols, err := columnsOf(ctx, db, staged)
	if err != nil {
		return false, "", err
	}
	if last == "" {
		old, err := columnsOf(ctx, db, model)
		if err != nil {
			return false, "", err
		}
		var n int64
		if err := db.QueryRowContext(ctx, "SELECT count(*) FROM "+model).Scan(&n); err != nil {
			return false, "", err
		}
		if n != rows || old != cols {
			return false, "", nil
		}
		_, sum, err := countAndSum(ctx, db, model)
		if err != nil {
			return false, "", err
		}
		last = content(n, old, sum)
	} else if lastRows, lastCols, _, ok := parseContent(last); !ok || lastRows != rows || lastCols != cols {
		return false, "", nil
	}
	_, sum, err := countAndSum(ctx, db, staged)
	if err != nil {
		return false, "", err
	}
	c := content(rows, cols, sum)
	return c == last, c, nil
}

func content(rows int64, cols, sum string) string {
	return fmt.Sprintf("%d|%s|%s", rows, cols, sum)
}

// parseContent splits a Content into its row count, columns and sum of
// row hashes.
func parseContent(c string) (rows int64, cols, sum string, ok bool) {
	n, rest, ok1 := strings.Cut(c, "|")
	i := strings.LastIndexByte(rest, '|')
	if !ok1 || i < 0 {
		return 0, "", "", false
	}
	rows, err := strconv.ParseInt(n, 10, 64)
	return rows, rest[:i], rest[i+1:], err == nil
}

// columnsOf lists a table's column names and types, in order.
func columnsOf(ctx context.Context, db Execer, table string) (string, error) {
	schema, name, _ := strings.Cut(table, ".")
	var cols string
	err := db.QueryRowContext(ctx, `SELECT coalesce(string_agg(column_name || ' ' || data_type, ', ' ORDER BY column_index), '')
		FROM duckdb_columns() WHERE database_name = current_database() AND schema_name = ? AND table_name = ?`, schema, name).Scan(&cols)
	return cols, err
}

// countAndSum counts the rows of a table (an edwh model's name, never user
// input) or of a parenthesised query, and sums DuckDB's hash of each whole
// row. The row is the alias, a struct of its columns; the alias is one no
// model names a column.
func countAndSum(ctx context.Context, db Execer, from string) (int64, string, error) {
	var n int64
	var sum string
	err := db.QueryRowContext(ctx, "SELECT count(*), CAST(coalesce(sum(hash(edwh_whole_row)), 0) AS VARCHAR) FROM "+from+" AS edwh_whole_row").Scan(&n, &sum)
	return n, sum, err
}
