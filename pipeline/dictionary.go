package pipeline

import (
	"bytes"
	"fmt"
	"io/fs"
	"sort"

	"github.com/gocarina/gocsv"

	edwhsql "github.com/edwh/edwh/sql"
)

// DictEntry describes one published column. Table "*" describes a column of
// that name in any table (time_period, urn, ...); a table's own entry wins.
// An entry with no column describes the table itself: the ops tables the
// snapshot publishes get their table comment from it (a mart's comes from
// its model's description).
type DictEntry struct {
	Table       string `csv:"table"`
	Column      string `csv:"column"`
	Description string `csv:"description"`
}

// Dictionary is the data dictionary: every published column, described
// with the DfE definition it follows (sql/dictionary.csv).
type Dictionary struct {
	entries map[string]string // "table.column" or "*.column"
}

// LoadDictionary reads the embedded data dictionary.
func LoadDictionary() (*Dictionary, error) {
	b, err := fs.ReadFile(edwhsql.FS, "dictionary.csv")
	if err != nil {
		return nil, err
	}
	var rows []DictEntry
	if err := gocsv.UnmarshalBytes(bytes.TrimPrefix(b, []byte("\ufeff")), &rows); err != nil {
		return nil, fmt.Errorf("sql/dictionary.csv: %w", err)
	}
	d := &Dictionary{entries: map[string]string{}}
	for i, r := range rows {
		key := r.Table + "." + r.Column
		if _, dup := d.entries[key]; dup {
			return nil, fmt.Errorf("sql/dictionary.csv: row %d: %s described twice", i+2, key)
		}
		d.entries[key] = r.Description
	}
	return d, nil
}

// Describe returns the description of table.column, or "".
func (d *Dictionary) Describe(table, column string) string {
	if s, ok := d.entries[table+"."+column]; ok {
		return s
	}
	return d.entries["*."+column]
}

// TableDescription returns the description of the table itself, or "".
func (d *Dictionary) TableDescription(table string) string {
	return d.entries[table+"."]
}

// Tables lists the tables with their own entries.
func (d *Dictionary) Tables() []string {
	seen := map[string]bool{}
	for k := range d.entries {
		for i := 0; i < len(k); i++ {
			if k[i] == '.' {
				seen[k[:i]] = true
				break
			}
		}
	}
	var out []string
	for t := range seen {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}
