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
	var b strings.Builder
	for _, r := range h {
		if r == ' ' || r == '_' || unicode.IsSpace(r) || r == '\ufeff' {
			continue
		}
		b.WriteRune(unicode.ToLower(r))
	}
	// Quotes are trimmed last, so that a quote behind a space ('0" "')
	// goes too and normalising twice gives what normalising once gave.
	return strings.Trim(b.String(), `"'`)
}

// WideName is the column name a header gets in a Wide source's raw table:
// lower case, every run of characters other than a-z and 0-9 replaced by one
// underscore, no leading or trailing underscore, and "c_" in front of a name
// that would start with a digit. "PTRWM_EXP" is ptrwm_exp, "% boys" is boys,
// "2019 P8" is c_2019_p8. A header with no letters or digits gives "", and
// the column is named by its position instead (see Mapping.Names). Names
// are always quoted in SQL as well: a header never reaches SQL as written.
func WideName(h string) string {
	h = strings.TrimPrefix(strings.TrimSpace(h), "\ufeff")
	var b strings.Builder
	under := false
	for _, r := range strings.ToLower(h) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			if under && b.Len() > 0 {
				b.WriteByte('_')
			}
			under = false
			b.WriteRune(r)
			continue
		}
		under = true
	}
	n := b.String()
	if n != "" && n[0] >= '0' && n[0] <= '9' {
		n = "c_" + n
	}
	return n
}

// Mapping is how one file's header maps onto a source's fields.
type Mapping struct {
	// Columns holds, for every column of the file in order, the field it
	// maps to, or "" when the column is not read.
	Columns []string
	// Headers are the file's header texts, as written.
	Headers []string
	// Names holds, for every column of the file in order, its name in a
	// Wide source's raw table (WideName of the header; col_<n> for a header
	// without letters or digits; a repeated name gets _2, _3, ...), or ""
	// for a dropped identifying column, which is never stored.
	Names []string
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

// occurrenceKey is the lookup key of the n-th column carrying a header.
func occurrenceKey(norm string, n int) string { return fmt.Sprintf("%s#%d", norm, n) }

// headerIndex builds the lookup from normalised header to field name. A
// field with an Occurrence is found under "header#n" only.
func headerIndex(src *Source, aliases map[string][]string) map[string]string {
	idx := map[string]string{}
	for _, f := range src.AllFields() {
		idx[NormalizeHeader(f.Name)] = f.Name
		if f.Occurrence > 0 {
			idx[occurrenceKey(NormalizeHeader(f.Header), f.Occurrence)] = f.Name
			for _, a := range f.Aliases {
				idx[occurrenceKey(NormalizeHeader(a), f.Occurrence)] = f.Name
			}
			continue
		}
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
	m := &Mapping{Columns: make([]string, len(header)), Headers: header, Names: make([]string, len(header))}
	seen := map[string]int{}
	occurrences := map[string]int{}
	names := map[string]bool{}
	for i, h := range header {
		// The column's name in a wide table, unique within the file.
		w := WideName(h)
		if w == "" {
			w = fmt.Sprintf("col_%d", i+1)
		}
		for k, base := 2, w; names[w]; k++ {
			w = fmt.Sprintf("%s_%d", base, k)
		}
		names[w] = true
		m.Names[i] = w

		n := NormalizeHeader(h)
		if n == "" {
			continue
		}
		occurrences[n]++
		f, ok := idx[occurrenceKey(n, occurrences[n])]
		if !ok {
			f, ok = idx[n]
		}
		if ok {
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
			m.Names[i] = ""
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
