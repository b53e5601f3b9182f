package connectors

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzScanFile checks the record map's invariants on any bytes: records
// start on increasing lines, and DuckDB's logical line of every record maps
// back to that record.
func FuzzScanFile(f *testing.F) {
	for _, s := range []string{"a,b\n1,2\n", "a\n\n\"x\ny\"\n\r\n3\n", "\"\"\"\n\n", "x", "\n\n\n", "a,\"b\nc\n"} {
		f.Add([]byte(s), int64(1))
	}
	f.Fuzz(func(t *testing.T, data []byte, skip int64) {
		if skip < 0 || skip > 5 {
			return
		}
		p := filepath.Join(t.TempDir(), "f.csv")
		os.WriteFile(p, data, 0o644)
		s, err := scanFile(p, skip, '"', true)
		if err != nil {
			t.Fatal(err)
		}
		if s.Size != int64(len(data)) {
			t.Fatalf("size %d", s.Size)
		}
		prev := int64(0)
		for k := int64(1); k <= s.Records; k++ {
			l := s.Map.physLine(k)
			if l <= prev || l <= skip {
				t.Fatalf("record %d starts on line %d after %d", k, l, prev)
			}
			prev = l
			i := s.Map.seg(k)
			logical := k + s.Map.Logic[i]
			if got := s.Map.recordOfLogical(logical); got != k {
				t.Fatalf("logical line %d maps to record %d, want %d", logical, got, k)
			}
		}
	})
}
