package connectors

import (
	"os"
	"path/filepath"
	"testing"
)

func TestScanFileRecordMap(t *testing.T) {
	tests := []struct {
		name     string
		data     string
		skip     int64
		records  int64
		blank    int64
		phys     map[int64]int64 // record -> physical line
		logic    map[int64]int64 // DuckDB line -> record
		validUTF bool
	}{
		{name: "plain", data: "a,b\n1,x\n2,y\n", skip: 1, records: 2,
			phys: map[int64]int64{1: 2, 2: 3}, logic: map[int64]int64{2: 1, 3: 2}, validUTF: true},
		{name: "no trailing newline", data: "a,b\n1,x\n2,y", skip: 1, records: 2,
			phys: map[int64]int64{2: 3}, validUTF: true},
		{name: "crlf", data: "a,b\r\n1,x\r\n\r\n2,y\r\n", skip: 1, records: 2, blank: 1,
			phys: map[int64]int64{1: 2, 2: 4}, validUTF: true},
		// The example DuckDB itself was checked against: rejected rows at its
		// lines 5, 8 and 10 are records 3, 4 and 6.
		{name: "blank lines and embedded newline",
			data: "a,b\n1,x\n\n2,\"y\nz\"\n3,w,extra\n\n\n4\n5,q\n6,\"unterminated\n7,r\n",
			skip: 1, records: 6, blank: 3,
			phys:  map[int64]int64{1: 2, 2: 4, 3: 6, 4: 9, 5: 10, 6: 11},
			logic: map[int64]int64{5: 3, 8: 4, 10: 6}, validUTF: true},
		{name: "title rows skipped", data: "Title\n\nExported\na,b\n1,x\n", skip: 4, records: 1,
			phys: map[int64]int64{1: 5}, validUTF: true},
		{name: "windows-1252", data: "a,b\n1,Ren\xe9e\n", skip: 1, records: 1, validUTF: false},
		{name: "utf-8 accent", data: "a,b\n1,Ren\xc3\xa9e\n", skip: 1, records: 1, validUTF: true},
		{name: "escaped quotes", data: "a,b\n1,\"say \"\"hi\"\"\"\n2,y\n", skip: 1, records: 2,
			phys: map[int64]int64{2: 3}, validUTF: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "f.csv")
			if err := os.WriteFile(p, []byte(tt.data), 0o644); err != nil {
				t.Fatal(err)
			}
			s, err := scanFile(p, tt.skip, '"', true)
			if err != nil {
				t.Fatal(err)
			}
			if s.Records != tt.records || s.Blank != tt.blank {
				t.Errorf("records=%d blank=%d, want %d and %d", s.Records, s.Blank, tt.records, tt.blank)
			}
			if s.ValidUTF8 != tt.validUTF {
				t.Errorf("ValidUTF8=%v, want %v", s.ValidUTF8, tt.validUTF)
			}
			for k, want := range tt.phys {
				if got := s.Map.physLine(k); got != want {
					t.Errorf("record %d starts on line %d, want %d", k, got, want)
				}
			}
			for l, want := range tt.logic {
				if got := s.Map.recordOfLogical(l); got != want {
					t.Errorf("DuckDB line %d is record %d, want %d", l, got, want)
				}
			}
			if s.Size != int64(len(tt.data)) || len(s.SHA256) != 64 {
				t.Errorf("size %d sha %q", s.Size, s.SHA256)
			}
		})
	}
}

func TestScanFileUTF8AcrossBuffers(t *testing.T) {
	// A two-byte character split across the 1 MiB read boundary is still valid.
	data := make([]byte, 1<<20+10)
	for i := range data {
		data[i] = 'a'
	}
	copy(data[1<<20-1:], "\xc3\xa9")
	p := filepath.Join(t.TempDir(), "f.csv")
	os.WriteFile(p, data, 0o644)
	s, err := scanFile(p, 0, '"', false)
	if err != nil {
		t.Fatal(err)
	}
	if !s.ValidUTF8 {
		t.Error("valid UTF-8 split across reads reported invalid")
	}
}
