package synth

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"time"
	"unicode/utf8"
)

// table is one CSV file being built: its rows in file layout, and which rows
// were deliberately damaged.
type table struct {
	source string
	rel    string // path under the landing folder, with forward slashes
	header []string
	rows   [][]string
	upnCol int            // column holding the UPN, -1 if none
	cols   map[string]int // canonical column name to position (lookups only)

	protect []bool   // rows that must not be damaged
	kind    []string // the defect applied to each row, "" if none
	defects []defect
}

// col returns the position of canonical column name; it panics on an
// unknown name, which is a bug in the generator.
func (t *table) col(name string) int {
	i, ok := t.cols[name]
	if !ok {
		panic("synth: no column " + name + " in " + t.rel)
	}
	return i
}

// setColumns records the position of each canonical column name. keys[i]
// names the column at position i.
func (t *table) setColumns(keys []string) {
	t.cols = make(map[string]int, len(keys))
	for i, k := range keys {
		t.cols[k] = i
	}
	t.upnCol = -1
	if i, ok := t.cols["UPN"]; ok {
		t.upnCol = i
	}
}

// defect is one kind of deliberate damage.
type defect struct {
	kind       string
	quarantine bool                             // the row must be quarantined; otherwise it loads with an issue
	ok         func(row []string) bool          // whether a row can take the defect; nil for any row
	apply      func(r *rand.Rand, row []string) // damages the row in place
}

// spoil damages rows of t: for each defect in turn, round(rate × rows)
// rows, at least one, chosen at random among rows that are neither
// protected nor already damaged and that can take the defect. Each row gets
// at most one defect, so every damaged row has a single known fault. A
// negative rate damages nothing.
func (t *table) spoil(r *rand.Rand, rate float64, defs []defect) {
	t.defects = defs
	t.kind = make([]string, len(t.rows))
	if rate < 0 || len(t.rows) == 0 {
		return
	}
	order := r.Perm(len(t.rows))
	for _, d := range defs {
		want := max(1, int(math.Round(rate*float64(len(t.rows)))))
		for _, i := range order {
			if want == 0 {
				break
			}
			if t.kind[i] != "" || (t.protect != nil && t.protect[i]) || (d.ok != nil && !d.ok(t.rows[i])) {
				continue
			}
			d.apply(r, t.rows[i])
			t.kind[i] = d.kind
			want--
		}
	}
}

// upnDefects are the two kinds of UPN damage.
func upnDefects(t *table) []defect {
	c := t.upnCol
	return []defect{
		{kind: "bad_upn_check_letter", quarantine: true, apply: func(r *rand.Rand, row []string) { row[c] = wrongCheckLetter(r, row[c]) }},
		{kind: "bad_upn_length", quarantine: true, apply: func(r *rand.Rand, row []string) { row[c] = wrongLength(r, row[c]) }},
	}
}

// csvOptions says how a file is encoded.
type csvOptions struct {
	bom    bool // UTF-8 with a byte order mark
	cp1252 bool // Windows-1252 instead of UTF-8
	crlf   bool // \r\n line endings
}

// emit writes t to its file and records it in the truth.
func (g *generator) emit(t *table, opt csvOptions) error {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.UseCRLF = opt.crlf
	if err := w.Write(t.header); err != nil {
		return fmt.Errorf("synth: writing %s: %w", t.rel, err)
	}
	if err := w.WriteAll(t.rows); err != nil {
		return fmt.Errorf("synth: writing %s: %w", t.rel, err)
	}
	data := buf.Bytes()
	switch {
	case opt.cp1252:
		enc, err := toWindows1252(data)
		if err != nil {
			return fmt.Errorf("synth: writing %s: %w", t.rel, err)
		}
		data = enc
	case opt.bom:
		data = append([]byte("\ufeff"), data...)
	}
	if err := os.WriteFile(filepath.Join(g.landing, filepath.FromSlash(t.rel)), data, 0o644); err != nil {
		return fmt.Errorf("synth: %w", err)
	}
	g.recordTable(t)
	return nil
}

// recordTable adds the counts of t to the truth, and collects its UPNs.
func (g *generator) recordTable(t *table) {
	fs := FileStats{Path: t.rel, Source: t.source, Rows: len(t.rows), Bad: map[string]int{}, Flagged: map[string]int{}}
	quarantine := make(map[string]bool, len(t.defects))
	for _, d := range t.defects {
		quarantine[d.kind] = d.quarantine
		if d.quarantine {
			fs.Bad[d.kind] = 0
		} else {
			fs.Flagged[d.kind] = 0
		}
	}
	if t.upnCol >= 0 {
		fs.Flagged["temporary_upn"] = 0
	}
	for i, row := range t.rows {
		k := ""
		if t.kind != nil {
			k = t.kind[i]
		}
		switch {
		case k == "":
		case quarantine[k]:
			fs.Bad[k]++
		default:
			fs.Flagged[k]++
		}
		if t.upnCol < 0 {
			continue
		}
		u := row[t.upnCol]
		switch {
		case !validUPN(u):
			g.malformed[u] = true
		case k != "" && quarantine[k]:
			// A well-formed UPN in a quarantined row is still a pupil's.
			g.written[u] = true
		default:
			g.written[u] = true
			if temporaryUPN(u) {
				fs.Flagged["temporary_upn"]++
			}
		}
	}
	g.truth.record(fs)
}

// toWindows1252 re-encodes UTF-8 text as Windows-1252. The generator only
// writes ASCII and Latin-1 letters, which Windows-1252 stores as the byte
// equal to the code point; anything else is an error.
func toWindows1252(b []byte) ([]byte, error) {
	out := make([]byte, 0, len(b))
	for len(b) > 0 {
		c, n := utf8.DecodeRune(b)
		switch {
		case c == utf8.RuneError && n <= 1:
			return nil, fmt.Errorf("invalid UTF-8 at %q", b[:min(len(b), 8)])
		case c < 0x80 || (c >= 0xa0 && c <= 0xff):
			out = append(out, byte(c))
		default:
			return nil, fmt.Errorf("%q has no Windows-1252 form in this generator", c)
		}
		b = b[n:]
	}
	return out, nil
}

// Date layouts. Pupil sources use UK or ISO order, never US order.
const (
	layoutUK  = "02/01/2006"
	layoutISO = "2006-01-02"
)

func ukDate(t time.Time) string  { return t.Format(layoutUK) }
func isoDate(t time.Time) string { return t.Format(layoutISO) }

func itoa(n int) string { return strconv.Itoa(n) }

// flag writes a boolean as the 1/0 the census uses.
func flag(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

// clamp limits x to [lo, hi].
func clamp(x, lo, hi float64) float64 { return math.Max(lo, math.Min(hi, x)) }

// iround rounds to the nearest integer.
func iround(x float64) int { return int(math.Round(x)) }
