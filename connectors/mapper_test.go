package connectors

import (
	"math/rand/v2"
	"reflect"
	"testing"
)

// mapByteByByte is the definition recordMapper implements, one byte at a
// time (the loop scanFile ran before it): what a CSV record is, where it
// starts, and what a blank line, a short record and a long one are.
func mapByteByByte(data []byte, skip int64, quote, delim byte, width int, long int64) *fileScan {
	s := &fileScan{}
	var (
		line     int64 = 1
		embedded int64
		inQuote  bool
		started  bool
		fields   int
		start    int
	)
	endRecord := func(end int) {
		if width > 0 && fields < width {
			s.Short++
		}
		if long > 0 && int64(end-start) > long {
			s.Long = append(s.Long, longRecord{s.Records, int64(end - start)})
		}
	}
	for i, c := range data {
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
				endRecord(i)
			} else {
				s.Blank++
			}
			line++
		case !started && !inQuote:
			if c == '\r' {
				continue
			}
			started = true
			start = i
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
		endRecord(len(data))
	}
	return s
}

// mapInBuffers feeds data to a recordMapper in buffers of the given size.
func mapInBuffers(data []byte, skip int64, quote, delim byte, width int, long int64, size int) *fileScan {
	s := &fileScan{}
	m := &recordMapper{s: s, skip: skip, quote: quote, delim: delim, width: width, long: long, line: 1}
	for len(data) > 0 {
		n := min(size, len(data))
		m.feed(data[:n])
		data = data[n:]
	}
	m.finish()
	return s
}

func checkMapper(t *testing.T, data []byte, skip int64, width int, long int64, size int) {
	t.Helper()
	want := mapByteByByte(data, skip, '"', ',', width, long)
	got := mapInBuffers(data, skip, '"', ',', width, long, size)
	if got.Records != want.Records || got.Blank != want.Blank || got.Short != want.Short || !reflect.DeepEqual(got.Map, want.Map) ||
		!reflect.DeepEqual(got.Long, want.Long) {
		t.Fatalf("%q (skip %d, width %d, long %d, buffers of %d):\n got records %d blank %d short %d map %+v long %v\nwant records %d blank %d short %d map %+v long %v",
			data, skip, width, long, size, got.Records, got.Blank, got.Short, got.Map, got.Long, want.Records, want.Blank, want.Short, want.Map, want.Long)
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
					for _, long := range []int64{0, 1, 3} {
						for size := 1; size <= len(tc.data)+1; size++ {
							checkMapper(t, []byte(tc.data), skip, width, long, size)
						}
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
		checkMapper(t, data, int64(r.IntN(3)), r.IntN(4), int64(r.IntN(8)), 1+r.IntN(len(data)+1))
	}
}

func FuzzRecordMapper(f *testing.F) {
	for _, s := range []string{"a,b\n1,2\n", "a\n\n\"x\ny\"\n\r\n3\n", "\"\"\"\n\n", "x", "\n\n\n", "a,\"b\nc\n"} {
		f.Add([]byte(s), int64(1), 2, int64(2), 3)
	}
	f.Fuzz(func(t *testing.T, data []byte, skip int64, width int, long int64, size int) {
		if skip < 0 || skip > 5 || width < 0 || width > 5 || long < 0 || long > 20 || size < 1 || size > 64 {
			return
		}
		checkMapper(t, data, skip, width, long, size)
	})
}
