package connectors

import (
	"fmt"
	"sort"
	"strings"
	"unicode"
)

// NormalizeHeader folds a header for matching: lower case, without spaces,
// underscores, BOMs and surrounding quotes, so "SEN provision", "SEN_Provision"
// and "senprovision" are the same column.
func NormalizeHeader(h string) string {
	h = strings.TrimPrefix(h, "\ufeff")
	h = strings.Trim(strings.TrimSpace(h), `"'`)
	var b strings.Builder
	for _, r := range h {
		if r == ' ' || r == '_' || unicode.IsSpace(r) || r == '\ufeff' {
			continue
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// Mapping is how one file's header maps onto a source's fields.
type Mapping struct {
	// Columns holds, for every column of the file in order, the field it
	// maps to, or "" when the column is not read.
	Columns []string
	// Headers are the file's header texts, as written.
	Headers []string
	// Unknown lists headers that match no field (not loaded).
	Unknown []string
	// Dropped lists headers of direct identifiers that were recognised and
	// not read.
	Dropped []string
}

// Index returns the column index of a field, or -1.
func (m *Mapping) Index(field string) int {
	for i, f := range m.Columns {
		if f == field {
			return i
		}
	}
	return -1
}

// headerIndex builds the lookup from normalised header to field name.
func headerIndex(src *Source, aliases map[string][]string) map[string]string {
	idx := map[string]string{}
	for _, f := range src.AllFields() {
		idx[NormalizeHeader(f.Name)] = f.Name
		idx[NormalizeHeader(f.Header)] = f.Name
		for _, a := range f.Aliases {
			idx[NormalizeHeader(a)] = f.Name
		}
	}
	// Configured aliases win over built-in ones: an LA knows its own exports.
	names := make([]string, 0, len(aliases))
	for n := range aliases {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		for _, a := range aliases[n] {
			idx[NormalizeHeader(a)] = n
		}
	}
	return idx
}

// MapHeader maps a header row onto src's fields. It fails with
// ErrDuplicateColumn when two columns map to one field; missing mandatory
// columns are reported by Missing.
func MapHeader(src *Source, header []string, aliases map[string][]string) (*Mapping, error) {
	idx := headerIndex(src, aliases)
	drop := map[string]bool{}
	for _, d := range src.Drop {
		drop[NormalizeHeader(d)] = true
	}
	m := &Mapping{Columns: make([]string, len(header)), Headers: header}
	seen := map[string]int{}
	for i, h := range header {
		n := NormalizeHeader(h)
		if n == "" {
			continue
		}
		if f, ok := idx[n]; ok {
			if j, dup := seen[f]; dup {
				return nil, fmt.Errorf("%w: %q (column %d) and %q (column %d) are both %s",
					ErrDuplicateColumn, header[j], j+1, h, i+1, f)
			}
			seen[f] = i
			m.Columns[i] = f
			continue
		}
		if drop[n] {
			m.Dropped = append(m.Dropped, strings.TrimSpace(h))
		} else {
			m.Unknown = append(m.Unknown, strings.TrimSpace(h))
		}
	}
	return m, nil
}

// Missing lists the mandatory columns a mapping lacks, by their spec headers.
// For sources with a school key, one of LAESTAB, LA + ESTAB or URN is needed.
func (m *Mapping) Missing(src *Source) []string {
	var miss []string
	if src.SchoolKey {
		if m.Index("laestab") < 0 && m.Index("urn") < 0 && (m.Index("la") < 0 || m.Index("estab") < 0) {
			miss = append(miss, "school key (LAESTAB, LA + ESTAB, or URN)")
		}
	}
	for _, f := range src.Fields {
		if f.Required && m.Index(f.Name) < 0 {
			miss = append(miss, f.Header)
		}
	}
	return miss
}

// mapped counts the columns that map to a field.
func (m *Mapping) mapped() int {
	n := 0
	for _, c := range m.Columns {
		if c != "" {
			n++
		}
	}
	return n
}
