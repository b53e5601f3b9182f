package connectors

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Long lines, at a small scale: MaxLineSize 64 KiB, so that DuckDB's read
// buffer is a few hundred KiB and a test file of a few MB crosses many of
// them. Each row's note starts with its own line number, so a row's _line
// can be checked against what the file says.
func TestLongLines(t *testing.T) {
	const maxLine = 64 << 10
	upns := []string{lineUPN1, lineUPN2, lineUPN3}
	// file builds a header and n rows of about size bytes, with extra lines
	// (by line number) of other lengths.
	file := func(n, size int, extra map[int]int) string {
		var b strings.Builder
		b.WriteString("UPN,CensusDate,Note\n")
		line := 2
		for row := 0; row < n; line++ {
			l := size
			if e, ok := extra[line]; ok {
				l = e
			} else {
				row++
			}
			note := fmt.Sprintf("%d:", line)
			fmt.Fprintf(&b, "%s,17/01/2019,%s%s\n", upns[line%3], note, strings.Repeat("x", max(0, l-len(note)-25)))
		}
		return b.String()
	}
	for _, tc := range []struct {
		name        string
		data        string
		quarantined []int64 // lines
	}{
		// DuckDB 1.4 loses rows silently when its buffer is less than about
		// twice a line; at four times the maximum line it loses none.
		{name: "lines of nearly the maximum, across buffers", data: file(60, maxLine-8, nil)},
		{name: "a line over the maximum, within a buffer", data: file(40, 60<<10, map[int]int{20: 100 << 10}), quarantined: []int64{20}},
		{name: "lines longer than a buffer", data: file(40, 60<<10, map[int]int{7: 600 << 10, 30: 2 << 20, 31: 100 << 10}), quarantined: []int64{7, 30, 31}},
	} {
		for _, wide := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s, wide %v", tc.name, wide), func(t *testing.T) {
				defer func(n int) { minCSVBuffer = n }(minCSVBuffer)
				minCSVBuffer = 0
				conn, ctx := workingDB(t, "SET threads = 2")
				dir := t.TempDir()
				p := filepath.Join(dir, "long.csv")
				if err := os.WriteFile(p, []byte(tc.data), 0o644); err != nil {
					t.Fatal(err)
				}
				src := &Source{Name: "long", Table: "raw.long", Wide: wide, Fields: []Field{
					{Name: "upn", Header: "UPN", Kind: UPN, Required: true, Identifying: true},
					{Name: "census_date", Header: "CensusDate", Kind: Date, Required: true},
					{Name: "note", Header: "Note", Kind: Text},
				}}
				l := &Loader{Source: src, TempDir: dir, MaxLineSize: maxLine}
				res, err := l.Load(ctx, conn, 1, File{Path: p, Rel: "long/long.csv", Size: int64(len(tc.data))})
				if err != nil {
					t.Fatal(err)
				}
				records := int64(strings.Count(tc.data, "\n") - 1)
				if res.RowsRead != records || res.RowsQuarantined != int64(len(tc.quarantined)) || len(res.Notes) > 0 {
					t.Errorf("read %d, quarantined %d, notes %q; want %d and %d, no notes", res.RowsRead, res.RowsQuarantined, res.Notes, records, len(tc.quarantined))
				}
				var loaded, wrong int64
				if err := conn.QueryRowContext(ctx, `SELECT count(*), count(*) FILTER (WHERE _line <> CAST(split_part(note, ':', 1) AS BIGINT))
					FROM raw.long`).Scan(&loaded, &wrong); err != nil {
					t.Fatal(err)
				}
				if loaded != records-int64(len(tc.quarantined)) || wrong > 0 {
					t.Errorf("%d rows loaded, %d on the wrong line; want %d and none", loaded, wrong, records-int64(len(tc.quarantined)))
				}
				rows, err := conn.QueryContext(ctx, `SELECT line, reason FROM ops.quarantine ORDER BY line`)
				if err != nil {
					t.Fatal(err)
				}
				defer rows.Close()
				var got []int64
				for rows.Next() {
					var line int64
					var reason string
					if err := rows.Scan(&line, &reason); err != nil {
						t.Fatal(err)
					}
					if !strings.Contains(reason, "longer than the maximum line size") {
						t.Errorf("line %d: reason %q", line, reason)
					}
					got = append(got, line)
				}
				if fmt.Sprint(got) != fmt.Sprint(tc.quarantined) {
					t.Errorf("quarantined lines %v, want %v", got, tc.quarantined)
				}
			})
		}
	}
}

// When DuckDB loses records that no rule explains, the file is refused:
// nothing loaded, and the analyst told why. A buffer of 1.125 lines makes
// DuckDB 1.4 lose them.
func TestLostRecordsRefuseTheFile(t *testing.T) {
	defer func(f func(int) int) { csvBuffer = f }(csvBuffer)
	csvBuffer = func(maxLine int) int { return maxLine + maxLine/8 }
	conn, ctx := workingDB(t, "SET threads = 2")
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("UPN,CensusDate,Note\n")
	for i := 0; i < 60; i++ {
		fmt.Fprintf(&b, "%s,17/01/2019,%s\n", lineUPN1, strings.Repeat("x", 60<<10))
	}
	p := filepath.Join(dir, "lost.csv")
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	src := &Source{Name: "lost", Table: "raw.lost", Fields: []Field{
		{Name: "upn", Header: "UPN", Kind: UPN, Required: true, Identifying: true},
		{Name: "census_date", Header: "CensusDate", Kind: Date, Required: true},
		{Name: "note", Header: "Note", Kind: Text},
	}}
	l := &Loader{Source: src, TempDir: dir, MaxLineSize: 64 << 10}
	res, err := l.Load(ctx, conn, 1, File{Path: p, Rel: "lost/lost.csv", Size: int64(b.Len())})
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != StatusRefused || !errors.Is(res.Refused, ErrRecordsLost) || !strings.Contains(res.Refused.Error(), "lost/lost.csv: records not read; the file has 60 records") {
		t.Fatalf("status %s, refused %v", res.Status, res.Refused)
	}
	var rows, loads int64
	conn.QueryRowContext(ctx, `SELECT count(*) FROM raw.lost`).Scan(&rows) // no table is no rows
	if err := conn.QueryRowContext(ctx, `SELECT count(*) FROM ops.loads WHERE status = 'refused' AND message LIKE '%records not read%'`).Scan(&loads); err != nil {
		t.Fatal(err)
	}
	if rows != 0 || loads != 1 {
		t.Errorf("%d rows in raw.lost, %d refused loads recorded; want 0 and 1", rows, loads)
	}
}
