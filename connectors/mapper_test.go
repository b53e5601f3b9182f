package connectors

import (
	"math/rand/v2"
	"reflect"
	"testing"
)

// mapByteByByte is the definition recordMapper implements, one byte at a
// time (the loop scanFile ran before it): what a CSV record is, where it
// starts, and what a blank line and a short record are.
func mapByteByByte(data []byte, skip int64, quote, delim byte, width int) *fileScan {
	s := &fileScan{}
	var (
		line     int64 = 1
		embedded int64
		inQuote  bool
		started  bool
		fields   int
	)
	endRecord := func() {
		if width > 0 && fields < width {
			s.Short++
		}
	}
	for _, c := range data {
		if line <= skip {
			if c == '\n' {
				line++
			}
			continue
		}
		switch {
		case c == '\n':
			if inQuote {
				embedded++
			} else if started {
				started = false
				endRecord()
			} else {
				s.Blank++
			}
			line++
		case !started && !inQuote:
			if c == '\r' {
				continue
			}
			started = true
			s.Records++
			s.Map.add(s.Records, line, line-embedded)
			fields = 1
			if c == quote {
				inQuote = true
			} else if width > 0 && c == delim {
				fields++
			}
		case c == quote:
			inQuote = !inQuote
		case width > 0 && c == delim && !inQuote:
			fields++
		}
	}
	if started && !inQuote {
		endRecord()
	}
	return s
}

// mapInBuffers feeds data to a recordMapper in buffers of the given size.
func mapInBuffers(data []byte, skip int64, quote, delim byte, width, size int) *fileScan {
	s := &fileScan{}
	m := &recordMapper{s: s, skip: skip, quote: quote, delim: delim, width: width, line: 1}
	for len(data) > 0 {
		n := min(size, len(data))
		m.feed(data[:n])
		data = data[n:]
	}
	m.finish()
	return s
}

func checkMapper(t *testing.T, data []byte, skip int64, width, size int) {
	t.Helper()
	want := mapByteByByte(data, skip, '"', ',', width)
	got := mapInBuffers(data, skip, '"', ',', width, size)
	if got.Records != want.Records || got.Blank != want.Blank || got.Short != want.Short || !reflect.DeepEqual(got.Map, want.Map) {
		t.Fatalf("%q (skip %d, width %d, buffers of %d):\n got records %d blank %d short %d map %+v\nwant records %d blank %d short %d map %+v",
			data, skip, width, size, got.Records, got.Blank, got.Short, got.Map, want.Records, want.Blank, want.Short, want.Map)
	}
}

func TestRecordMapperMatchesByteByByte(t *testing.T) {
	for _, tc := range []struct {
		name string
		data string
	}{
		{"plain", "h1,h2\n1,2\n3,4\n"},
		{"no final line break", "h1,h2\n1,2\n3,4"},
		{"blank lines and CRLF", "h\r\n\r\n1,2\r\n\n\n3,4\r\n"},
		{"quoted line breaks", "h\n\"a\nb\",2\n3,\"x\n\ny\"\n5,6\n"},
		{"doubled quotes", "h\n\"a\"\"b\",\"\"\n\"\"\"\",x\n"},
		{"quote inside an unquoted value", "h\nab\"c,d\ne\"\n1,2\n"},
		{"unclosed quote", "h\n1,\"2\n3,4\n5,6"},
		{"short rows", "a,b,c\n1\n1,2\n1,2,3\n,,\n\n1,\"x,y\"\n"},
		{"a record starting with a quote or a delimiter", "h\n\"q\",1\n,2\n\r,3\n"},
		{"only line breaks", "\n\n\n"},
		{"empty", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for skip := int64(0); skip <= 2; skip++ {
				for _, width := range []int{0, 2, 3} {
					for size := 1; size <= len(tc.data)+1; size++ {
						checkMapper(t, []byte(tc.data), skip, width, size)
					}
				}
			}
		})
	}
	// Random CSV-ish bytes, weighted towards the bytes that matter.
	r := rand.New(rand.NewPCG(1, 2))
	alphabet := []byte("ab,,\"\"\n\n\r1 ")
	for range 3000 {
		data := make([]byte, r.IntN(80))
		for i := range data {
			data[i] = alphabet[r.IntN(len(alphabet))]
		}
		checkMapper(t, data, int64(r.IntN(3)), r.IntN(4), 1+r.IntN(len(data)+1))
	}
}

func FuzzRecordMapper(f *testing.F) {
	for _, s := range []string{"a,b\n1,2\n", "a\n\n\"x\ny\"\n\r\n3\n", "\"\"\"\n\n", "x", "\n\n\n", "a,\"b\nc\n"} {
		f.Add([]byte(s), int64(1), 2, 3)
	}
	f.Fuzz(func(t *testing.T, data []byte, skip int64, width, size int) {
		if skip < 0 || skip > 5 || width < 0 || width > 5 || size < 1 || size > 64 {
			return
		}
		checkMapper(t, data, skip, width, size)
	})
}
