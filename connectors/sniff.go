package connectors

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// Encoding is a text file's character encoding.
type Encoding string

const (
	UTF8        Encoding = "utf-8"
	UTF8BOM     Encoding = "utf-8-bom"
	UTF16LE     Encoding = "utf-16le"
	UTF16BE     Encoding = "utf-16be"
	Windows1252 Encoding = "windows-1252"
)

// headerSearchRows is how many rows from the top are searched for the header,
// so that title rows above it are skipped.
const headerSearchRows = 30

// sniffBytes is how much of a file's start is read to find its header.
const sniffBytes = 1 << 20

// detectEncoding names the encoding of a file from its first bytes: a BOM if
// there is one, else UTF-8 if the prefix is valid UTF-8, else Windows-1252
// (what school MIS software exports).
func detectEncoding(prefix []byte) Encoding {
	switch {
	case bytes.HasPrefix(prefix, []byte{0xEF, 0xBB, 0xBF}):
		return UTF8BOM
	case bytes.HasPrefix(prefix, []byte{0xFF, 0xFE}):
		return UTF16LE
	case bytes.HasPrefix(prefix, []byte{0xFE, 0xFF}):
		return UTF16BE
	}
	// Without a BOM, UTF-16 shows as NULs in every other byte of ASCII text.
	if len(prefix) >= 4 {
		evenNUL, oddNUL := 0, 0
		for i := 0; i+1 < len(prefix) && i < 512; i += 2 {
			if prefix[i] == 0 {
				evenNUL++
			}
			if prefix[i+1] == 0 {
				oddNUL++
			}
		}
		pairs := min(len(prefix), 512) / 2
		if oddNUL > pairs*3/4 && evenNUL == 0 {
			return UTF16LE
		}
		if evenNUL > pairs*3/4 && oddNUL == 0 {
			return UTF16BE
		}
	}
	// Trim a partial rune at the end of the prefix before judging.
	p := prefix
	for i := 0; i < 3 && len(p) > 0 && !utf8.FullRune(p[max(0, len(p)-4):]); i++ {
		p = p[:len(p)-1]
	}
	if utf8.Valid(p) {
		return UTF8
	}
	return Windows1252
}

func (e Encoding) decoder() *encoding.Decoder {
	switch e {
	case UTF16LE:
		return unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewDecoder()
	case UTF16BE:
		return unicode.UTF16(unicode.BigEndian, unicode.UseBOM).NewDecoder()
	case Windows1252:
		return charmap.Windows1252.NewDecoder()
	}
	return nil
}

// transcode writes src, decoded from enc, to dst as UTF-8, streaming, with
// each carriage return made a line feed when crLines is true.
func transcode(src, dst string, enc Encoding, crLines bool) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(out, 1<<20)
	var r io.Reader = in
	if dec := enc.decoder(); dec != nil {
		r = transform.NewReader(in, dec)
	}
	if crLines {
		r = crToLF{r}
	}
	if _, err := io.Copy(w, r); err != nil {
		out.Close()
		return err
	}
	if err := w.Flush(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// crLines reports whether CSV text ends its lines with a carriage return
// alone, as Excel for Mac's "CSV (Macintosh)" and other classic Mac
// software write them: carriage returns and no line feed. Read as usual,
// the whole file is one line, its rows columns of the header.
func crLines(text []byte) bool {
	return bytes.IndexByte(text, '\r') >= 0 && bytes.IndexByte(text, '\n') < 0
}

// crToLF reads r with every carriage return made a line feed. Both are
// ASCII, so this is safe in UTF-8.
type crToLF struct{ r io.Reader }

func (c crToLF) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	for i, b := range p[:n] {
		if b == '\r' {
			p[i] = '\n'
		}
	}
	return n, err
}

// readPrefix returns up to sniffBytes from the start of path.
func readPrefix(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	buf := make([]byte, sniffBytes)
	n, err := io.ReadFull(f, buf)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return nil, err
	}
	return buf[:n], nil
}

// decodePrefix turns a prefix into UTF-8 text.
func decodePrefix(prefix []byte, enc Encoding) []byte {
	switch enc {
	case UTF8BOM:
		return prefix[3:]
	case UTF8:
		return prefix
	}
	out, _, err := transform.Bytes(enc.decoder(), prefix)
	if err != nil {
		// A prefix cut mid-character: decode what we can.
		out, _, _ = transform.Bytes(enc.decoder(), prefix[:len(prefix)&^1])
	}
	return out
}

// headerRow is the header found in a CSV prefix.
type headerRow struct {
	Delim   rune
	Line    int // physical line of the header (1-based)
	Fields  []string
	Mapping *Mapping
}

var delimiters = []rune{',', '\t', ';', '|'}

// headerSearch chooses a header row among the first rows of a file. Feed it
// candidate rows with try; when none carries the mandatory columns, err
// explains what is missing from the most promising row.
type headerSearch struct {
	src     *Source
	aliases map[string][]string
	others  []*Source
	best    *Mapping
	bestRow []string
	bestAt  int
	dupErr  error
}

// try reports whether row (found at line) is the header.
func (h *headerSearch) try(row []string, line int) (*Mapping, bool) {
	nonEmpty := 0
	for _, c := range row {
		if strings.TrimSpace(c) != "" {
			nonEmpty++
		}
	}
	if nonEmpty < 2 {
		return nil, false
	}
	m, err := MapHeader(h.src, row, h.aliases)
	if err != nil {
		if h.dupErr == nil {
			h.dupErr = &FileError{Line: line, Err: err, Hint: "rename or remove one of the columns"}
		}
		return nil, false
	}
	if len(m.Missing(h.src)) == 0 {
		return m, true
	}
	if h.best == nil || m.mapped() > h.best.mapped() || (m.mapped() == h.best.mapped() && len(row) > len(h.bestRow)) {
		h.best, h.bestRow, h.bestAt = m, row, line
	}
	return nil, false
}

// err explains why no header was found.
func (h *headerSearch) err() error {
	if h.dupErr != nil {
		return h.dupErr
	}
	if h.best == nil {
		return &FileError{Err: ErrEmptyFile, Hint: "no header row found; export the file again with column names in the first row"}
	}
	// Does the best row look like another source's file?
	for _, o := range h.others {
		if o == h.src {
			continue
		}
		om, err := MapHeader(o, h.bestRow, nil)
		if err == nil && len(om.Missing(o)) == 0 && om.mapped() > h.best.mapped() {
			return &FileError{Line: h.bestAt, Err: ErrWrongSource,
				Hint: fmt.Sprintf("its columns are those of %s (%s); move it to landing/%s/", o.Name, o.Description, o.Name)}
		}
	}
	return &FileError{Line: h.bestAt, Err: ErrNoHeader,
		Hint: fmt.Sprintf("missing %s; the closest row found has %s; add the column, or an alias for it in edwh.yaml",
			strings.Join(h.best.Missing(h.src), ", "), summarizeHeaders(h.bestRow))}
}

// findHeader looks through the first rows of CSV text for the row that
// carries the source's mandatory columns, trying each delimiter.
func findHeader(text []byte, hs *headerSearch) (*headerRow, error) {
	for _, d := range delimiters {
		r := csv.NewReader(bytes.NewReader(text))
		r.Comma = d
		r.LazyQuotes = true
		r.FieldsPerRecord = -1
		for i := 0; i < headerSearchRows; i++ {
			rec, err := r.Read()
			if err != nil {
				break
			}
			line, _ := r.FieldPos(0)
			if m, ok := hs.try(rec, line); ok {
				return &headerRow{Delim: d, Line: line, Fields: rec, Mapping: m}, nil
			}
		}
	}
	return nil, hs.err()
}

// summarizeHeaders lists the first few headers of a row for a message.
func summarizeHeaders(h []string) string {
	const show = 8
	var parts []string
	for i, s := range h {
		if i == show {
			parts = append(parts, fmt.Sprintf("… (%d columns)", len(h)))
			break
		}
		s = strings.TrimSpace(s)
		if len(s) > 40 {
			s = s[:40] + "…"
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, ", ")
}

// FileHeader is the header row of a CSV file, as a load of it by src would
// find it (title rows skipped, any delimiter, any encoding), or nil for a
// workbook. edwh doctor compares it with the last load's columns.
func FileHeader(src *Source, path string, aliases map[string][]string) ([]string, error) {
	prefix, err := readPrefix(path)
	if err != nil {
		return nil, err
	}
	if len(prefix) == 0 || fileKind(path, prefix) != "csv" {
		return nil, nil
	}
	h, err := findHeader(decodePrefix(prefix, detectEncoding(prefix)), &headerSearch{src: src, aliases: aliases})
	if err != nil {
		return nil, err
	}
	return h.Fields, nil
}
