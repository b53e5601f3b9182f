package connectors

import (
	"context"
	"database/sql"
	"fmt"
	"path"
	"path/filepath"
	"sort"
	"strings"
)

// Wide sources keep every column of a file. The choice of a wide table
// (one VARCHAR column per header, added as files bring new ones) over a
// long one (one row per cell) is for the analyst: a DfE performance tables
// file has up to 500 columns and 25,000 rows, so a long table would hold 12
// million rows per file, and every question about a school would need a
// pivot. The wide table is queried like the file itself:
//
//	SELECT k.urn, w.ptrwm_exp_fsm6cla1a_18
//	FROM raw.perf_ks2 k JOIN raw.perf_ks2_wide w USING (_load_id, _line)
//
// Headers are normalised by WideName and always quoted, so no text from a
// file is ever spliced into SQL. ops.load_columns records, for each load,
// every header as written, the name it got and the field it maps to.

// insertWide stores every column of the loaded rows in the source's wide
// table, adding the columns it does not have yet.
func (l *Loader) insertWide(ctx context.Context, tx *sql.Tx, res *Result, in *parseInput, lineExpr, join, bad string) error {
	src := l.Source
	have := map[string]bool{}
	schema, table, _ := strings.Cut(src.WideTable(), ".")
	rows, err := tx.QueryContext(ctx, `SELECT column_name FROM duckdb_columns() WHERE schema_name = ? AND table_name = ?`, schema, table)
	if err != nil {
		return err
	}
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			rows.Close()
			return err
		}
		have[c] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	var cols, vals []string
	for i, name := range in.Mapping.Names {
		if name == "" {
			continue
		}
		if !have[name] {
			if _, err := tx.ExecContext(ctx, fmt.Sprintf("ALTER TABLE %s ADD COLUMN %s VARCHAR", src.WideTable(), quoteIdent(name))); err != nil {
				return fmt.Errorf("widening %s: %w", src.WideTable(), err)
			}
			have[name] = true
		}
		cols = append(cols, quoteIdent(name))
		vals = append(vals, "v."+quoteIdent(fmt.Sprintf("_w%d", i)))
	}
	if len(cols) == 0 {
		return nil
	}
	q := fmt.Sprintf(`INSERT INTO %s (_load_id, _file, _line, %s) SELECT ?, ?, %s, %s FROM %s v %s WHERE NOT (%s)`,
		src.WideTable(), strings.Join(cols, ", "), lineExpr, strings.Join(vals, ", "), tmpValid, join, bad)
	if _, err := tx.ExecContext(ctx, q, res.LoadID, res.File.Rel); err != nil {
		return fmt.Errorf("inserting into %s: %w", src.WideTable(), err)
	}
	return nil
}

// recordColumns writes the file's header to ops.load_columns: position,
// header as written, wide-table name and the field it maps to.
func recordColumns(ctx context.Context, tx *sql.Tx, src *Source, loadID int64, m *Mapping) error {
	if m == nil || len(m.Headers) == 0 {
		return nil
	}
	var ph []string
	var args []any
	for i, h := range m.Headers {
		ph = append(ph, "(?, ?, ?, ?, nullif(?, ''), nullif(?, ''))")
		args = append(args, loadID, src.Name, i+1, strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")), m.Names[i], m.Columns[i])
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO ops.load_columns (load_id, source, position, header, column_name, field) VALUES `+
		strings.Join(ph, ", "), args...)
	return err
}

// SchemaChange is how a file's columns differ from those of the previous
// file of its kind in the same source.
type SchemaChange struct {
	// ComparedLoad and ComparedPath are the earlier load compared with.
	ComparedLoad int64
	ComparedPath string
	// Added and Removed are headers, as written, new in this file or
	// missing from it.
	Added, Removed []string
}

func (c *SchemaChange) String() string {
	list := func(hs []string) string {
		const show = 12
		if len(hs) == 0 {
			return ""
		}
		if len(hs) > show {
			return fmt.Sprintf(" (%s, … %d more)", strings.Join(hs[:show], ", "), len(hs)-show)
		}
		return " (" + strings.Join(hs, ", ") + ")"
	}
	return fmt.Sprintf("schema change since %s: %d columns added%s, %d removed%s; every column is kept, see ops.schema_changes",
		c.ComparedPath, len(c.Added), list(c.Added), len(c.Removed), list(c.Removed))
}

// FileFamily names the kind of file a path is, for comparing columns
// between files: the base name in lower case, without its extension, the
// word "england" and anything but letters. 2016-850-ks2.csv and
// 2018-850-ks2.csv are both "ks", england_ks4final.csv and 850_ks4final.csv
// both "ksfinal", while england_ks4provisional.csv ("ksprovisional") is not
// compared with a final file.
func FileFamily(rel string) string {
	base := strings.ToLower(path.Base(filepath.ToSlash(rel)))
	base = strings.TrimSuffix(base, path.Ext(base))
	base = strings.ReplaceAll(base, "england", "")
	var b strings.Builder
	for _, r := range base {
		if r >= 'a' && r <= 'z' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// schemaChange compares the columns just recorded for res with those of the
// previous file of the same family: the nearest earlier academic year (the
// latest load of it), else the nearest later one; files without a year are
// compared with the latest earlier load. It records differences in
// ops.schema_changes and returns them, or nil when the columns are the same
// or there is nothing to compare with.
func schemaChange(ctx context.Context, tx *sql.Tx, src *Source, res *Result) (*SchemaChange, error) {
	rows, err := tx.QueryContext(ctx, `SELECT load_id, path, coalesce(time_period, 0) FROM ops.loads
		WHERE source = ? AND status = 'loaded' AND load_id <> ?`, src.Name, res.LoadID)
	if err != nil {
		return nil, err
	}
	type cand struct {
		id   int64
		path string
		tp   int
	}
	fam := FileFamily(res.File.Rel)
	var earlier, later []cand
	for rows.Next() {
		var c cand
		if err := rows.Scan(&c.id, &c.path, &c.tp); err != nil {
			rows.Close()
			return nil, err
		}
		if FileFamily(c.path) != fam {
			continue
		}
		if c.tp <= res.TimePeriod {
			earlier = append(earlier, c)
		} else {
			later = append(later, c)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var prev *cand
	switch {
	case len(earlier) > 0:
		sort.Slice(earlier, func(i, j int) bool {
			if earlier[i].tp != earlier[j].tp {
				return earlier[i].tp > earlier[j].tp
			}
			return earlier[i].id > earlier[j].id
		})
		prev = &earlier[0]
	case len(later) > 0:
		sort.Slice(later, func(i, j int) bool {
			if later[i].tp != later[j].tp {
				return later[i].tp < later[j].tp
			}
			return later[i].id > later[j].id
		})
		prev = &later[0]
	default:
		return nil, nil
	}

	// Compare normalised headers, so that a change of case or spacing
	// alone is not a schema change (the wide column is the same).
	headers := func(id int64) (map[string]string, []string, error) {
		rows, err := tx.QueryContext(ctx, `SELECT header FROM ops.load_columns WHERE load_id = ? ORDER BY position`, id)
		if err != nil {
			return nil, nil, err
		}
		defer rows.Close()
		m := map[string]string{}
		var order []string
		for rows.Next() {
			var h string
			if err := rows.Scan(&h); err != nil {
				return nil, nil, err
			}
			n := NormalizeHeader(h)
			if n == "" {
				continue
			}
			if _, dup := m[n]; !dup {
				m[n] = h
				order = append(order, n)
			}
		}
		return m, order, rows.Err()
	}
	cur, curOrder, err := headers(res.LoadID)
	if err != nil {
		return nil, err
	}
	old, oldOrder, err := headers(prev.id)
	if err != nil {
		return nil, err
	}
	sc := &SchemaChange{ComparedLoad: prev.id, ComparedPath: prev.path}
	for _, n := range curOrder {
		if _, ok := old[n]; !ok {
			sc.Added = append(sc.Added, cur[n])
		}
	}
	for _, n := range oldOrder {
		if _, ok := cur[n]; !ok {
			sc.Removed = append(sc.Removed, old[n])
		}
	}
	if len(sc.Added) == 0 && len(sc.Removed) == 0 {
		return nil, nil
	}
	record := func(change string, hs []string) error {
		for _, h := range hs {
			if _, err := tx.ExecContext(ctx, `INSERT INTO ops.schema_changes (load_id, source, path, compared_load_id, compared_path,
				change, header, column_name) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
				res.LoadID, src.Name, res.File.Rel, prev.id, prev.path, change, h, WideName(h)); err != nil {
				return err
			}
		}
		return nil
	}
	if err := record("added", sc.Added); err != nil {
		return nil, err
	}
	if err := record("removed", sc.Removed); err != nil {
		return nil, err
	}
	return sc, nil
}
