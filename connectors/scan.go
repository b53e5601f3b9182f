package connectors

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"unicode/utf8"
)

// fileScan is what one pass over a file's bytes learns: its fingerprint, its
// encoding facts, and where each CSV record starts.
type fileScan struct {
	SHA256    string
	Size      int64
	ValidUTF8 bool
	HasNUL    bool
	// Records is the number of data records after the skipped lines.
	Records int64
	// Blank counts empty lines between records (DuckDB skips them).
	Blank int64
	// Segs maps record numbers to lines; see recordMap.
	Map recordMap
	// Short counts records with fewer fields than the width asked for
	// (scanFileWidth); 0 when no width was given.
	Short int64
	// Long lists the records longer than the length asked for
	// (scanFileWidth), in file order; nil when none was given.
	Long []longRecord
}

// longRecord is a record longer than a load's maximum line size: its
// number and its length in bytes up to the line feed that ends it (line
// breaks inside quotes count).
type longRecord struct{ k, size int64 }

// recordMap gives, for each data record k (1-based), the physical line it
// starts on and DuckDB's "logical" line number for it (the physical line less
// the line breaks embedded in quoted fields before it, which is what DuckDB
// reports for rejected rows). Both are k plus a delta that only changes at a
// blank line or a multi-line record, so the map stores only the changes.
type recordMap struct {
	K     []int64 // first record of each segment, ascending, K[0] = 1
	Phys  []int64 // physical line = k + Phys[i]
	Logic []int64 // DuckDB line = k + Logic[i]
}

func (m *recordMap) add(k, phys, logic int64) {
	n := len(m.K)
	if n > 0 && m.Phys[n-1] == phys-k && m.Logic[n-1] == logic-k {
		return
	}
	m.K = append(m.K, k)
	m.Phys = append(m.Phys, phys-k)
	m.Logic = append(m.Logic, logic-k)
}

func (m *recordMap) seg(k int64) int {
	lo, hi := 0, len(m.K)-1
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if m.K[mid] <= k {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return lo
}

// physLine is the physical line record k starts on.
func (m *recordMap) physLine(k int64) int64 {
	if len(m.K) == 0 {
		return k
	}
	return k + m.Phys[m.seg(k)]
}

// recordOfLogical inverts the logical line DuckDB reports to a record number,
// or -1.
func (m *recordMap) recordOfLogical(line int64) int64 {
	for i := range m.K {
		k := line - m.Logic[i]
		if k >= m.K[i] && (i+1 == len(m.K) || k < m.K[i+1]) {
			return k
		}
	}
	return -1
}

// scanFile reads path once, hashing it and, when records is true, mapping
// its CSV records after the first skip lines. quote is the CSV quote byte.
// Only a few counters are kept in memory, whatever the file's size.
func scanFile(path string, skip int64, quote byte, records bool) (*fileScan, error) {
	return scanFileWidth(path, skip, quote, records, 0, 0, 0)
}

// scanFileWidth is scanFile that also counts, when width > 0, the records
// with fewer than width fields separated by delim (outside quotes), and
// lists, when long > 0, the records longer than long bytes.
func scanFileWidth(path string, skip int64, quote byte, records bool, delim byte, width int, long int64) (*fileScan, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	h := sha256.New()
	s := &fileScan{ValidUTF8: true}
	buf := make([]byte, scanBuffer)
	var carry []byte // an incomplete UTF-8 sequence at a buffer's end
	m := &recordMapper{s: s, skip: skip, quote: quote, delim: delim, width: width, long: long, line: 1}
	// The hash and the UTF-8 check of each buffer run on a goroutine while
	// this one maps its records: on a national census (583 MB) the three
	// passes took 2.4-3.0 s one after the other, and the file loads alone,
	// with a core to spare.
	hashed := make(chan struct{}, 1)
	hashed <- struct{}{}
	for {
		<-hashed // the buffer is free again
		n, rerr := f.Read(buf)
		if n > 0 {
			b := buf[:n]
			s.Size += int64(n)
			go func() {
				h.Write(b)
				if s.ValidUTF8 {
					chunk := b
					if len(carry) > 0 {
						chunk = append(carry, b...)
					}
					end := len(chunk)
					// Hold back a trailing partial rune for the next read.
					for i := 1; i <= 3 && i <= end; i++ {
						c := chunk[end-i]
						if c < 0x80 {
							break
						}
						if c >= 0xC0 {
							if !utf8.FullRune(chunk[end-i:]) {
								end -= i
							}
							break
						}
					}
					if !utf8.Valid(chunk[:end]) {
						s.ValidUTF8 = false
					}
					carry = append(carry[:0], chunk[end:]...)
				}
				hashed <- struct{}{}
			}()
			if !s.HasNUL && bytes.IndexByte(b, 0) >= 0 {
				s.HasNUL = true
			}
			if records {
				m.feed(b)
			}
		} else {
			hashed <- struct{}{}
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			<-hashed
			return nil, rerr
		}
	}
	<-hashed
	m.finish()
	if len(carry) > 0 {
		s.ValidUTF8 = false
	}
	s.SHA256 = hex.EncodeToString(h.Sum(nil))
	return s, nil
}

// scanBuffer is how many bytes scanFile reads at a time (a var, so that
// tests can cut records across buffers).
var scanBuffer = 1 << 20

// recordMapper maps CSV records to lines as a file's bytes are fed to it,
// one buffer at a time, into s (Records, Blank, Map, Short, Long).
//
// It finds the bytes that matter (line breaks, quotes and, when width > 0,
// delimiters) with bytes.IndexByte and bytes.Count, which run many bytes
// at a time, rather than looking at every byte in turn: on the national
// census that took 0.95 s of the 1.0 s pass, and left the hash waiting.
// TestRecordMapperMatchesByteByByte holds it to the byte-by-byte
// definition, whatever the buffer boundaries.
type recordMapper struct {
	s            *fileScan
	skip         int64 // lines before the first record
	quote, delim byte
	width        int   // count records with fewer fields than this; 0: don't
	long         int64 // list records longer than this; 0: don't

	off      int64 // bytes fed before the current buffer
	start    int64 // offset of the current record's first byte
	line     int64 // physical line of the next byte
	embedded int64 // line breaks inside quoted fields so far
	inQuote  bool
	started  bool // the current line has begun a record
	fields   int  // fields of the current record so far
}

// endRecord ends the current record, whose line break (or the end of the
// file) is at offset end.
func (m *recordMapper) endRecord(end int64) {
	if m.width > 0 && m.fields < m.width {
		m.s.Short++
	}
	if m.long > 0 && end-m.start > m.long {
		m.s.Long = append(m.s.Long, longRecord{m.s.Records, end - m.start})
	}
}

// finish ends the last record, when the file does not end with a line
// break.
func (m *recordMapper) finish() {
	if m.started && !m.inQuote {
		m.endRecord(m.off)
	}
}

func (m *recordMapper) feed(b []byte) {
	s := m.s
	base := m.off
	m.off += int64(len(b))
	for i := 0; i < len(b); {
		switch {
		case m.line <= m.skip:
			j := bytes.IndexByte(b[i:], '\n')
			if j < 0 {
				return
			}
			i += j + 1
			m.line++
		case !m.started:
			// The first byte of a line: a blank line, a carriage return
			// before one, or a record.
			c := b[i]
			i++
			switch c {
			case '\n':
				s.Blank++
				m.line++
			case '\r':
			default:
				m.started = true
				m.start = base + int64(i) - 1
				s.Records++
				s.Map.add(s.Records, m.line, m.line-m.embedded)
				m.fields = 1
				if c == m.quote {
					m.inQuote = true
				} else if m.width > 0 && c == m.delim {
					m.fields++
				}
			}
		case m.inQuote:
			// Up to the closing quote; line breaks on the way are inside
			// the value.
			rest := b[i:]
			j := bytes.IndexByte(rest, m.quote)
			if j < 0 {
				n := int64(bytes.Count(rest, newline))
				m.embedded += n
				m.line += n
				return
			}
			n := int64(bytes.Count(rest[:j], newline))
			m.embedded += n
			m.line += n
			i += j + 1
			m.inQuote = false
		default:
			// Inside a record, outside quotes: up to the next quote or line
			// break, counting delimiters on the way.
			rest := b[i:]
			seg := rest
			j := bytes.IndexByte(rest, '\n')
			if j >= 0 {
				seg = rest[:j]
			}
			if k := bytes.IndexByte(seg, m.quote); k >= 0 {
				if m.width > 0 {
					m.fields += bytes.Count(seg[:k], []byte{m.delim})
				}
				i += k + 1
				m.inQuote = true
				continue
			}
			if m.width > 0 {
				m.fields += bytes.Count(seg, []byte{m.delim})
			}
			if j < 0 {
				return
			}
			m.endRecord(base + int64(i+j))
			i += j + 1
			m.started = false
			m.line++
		}
	}
}

var newline = []byte{'\n'}
