package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/edwh/edwh/pipeline/bench"
)

// smallBenchLanding generates the bench's data at a scale tests load in
// seconds, and returns the scale and its landing folder.
func smallBenchLanding(t *testing.T) (bench.Scale, string) {
	t.Helper()
	s := bench.Scale{Schools: 60, LAs: 5, Pupils: 3000, KS2: 300, KS4: 300, Attendance: 3000, Exclusions: 200, Seed: 9}
	landing, err := bench.Generate(t.TempDir(), s)
	if err != nil {
		t.Fatal(err)
	}
	return s, landing
}

// The bench times the floor and the census ingest by running itself with
// --step, each round in a fresh process; each step must print what the
// parent reads, and load the whole census.
func TestBenchStepTimesEachStepAlone(t *testing.T) {
	if testing.Short() {
		t.Skip("loads a census")
	}
	s, landing := smallBenchLanding(t)
	dir := t.TempDir()
	ctx := context.Background()
	for _, tc := range []struct {
		step     string
		code     int
		wantRows int64 // 0: any number above 0
		stderr   string
	}{
		// DuckDB alone reads every record.
		{step: "floor", code: exitOK, wantRows: int64(s.Pupils)},
		// The ingest loads what passes validation: some generated rows are
		// quarantined on purpose.
		{step: "census", code: exitOK},
		{step: "publish", code: exitUsage, stderr: "--step is floor or census"},
	} {
		t.Run(tc.step, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := cmdBench(ctx, []string{"--dir", dir, "--step", tc.step, "--landing", landing}, &out, &errb)
			if code != tc.code {
				t.Fatalf("exit %d, want %d; stderr: %s", code, tc.code, errb.String())
			}
			if tc.code != exitOK {
				if !strings.Contains(errb.String(), tc.stderr) {
					t.Errorf("stderr %q, want it to say %q", errb.String(), tc.stderr)
				}
				return
			}
			took, rows, err := parseStepOutput(out.Bytes())
			if err != nil {
				t.Fatal(err)
			}
			if took <= 0 || took > time.Minute {
				t.Errorf("took %v", took)
			}
			switch {
			case tc.wantRows > 0 && rows != tc.wantRows:
				t.Errorf("%d rows, want %d", rows, tc.wantRows)
			case rows <= int64(s.Pupils)*9/10 || rows > int64(s.Pupils):
				t.Errorf("%d rows of %d census records", rows, s.Pupils)
			}
		})
	}
	var out, errb bytes.Buffer
	if code := cmdBench(ctx, []string{"--dir", dir, "--step", "floor"}, &out, &errb); code != exitUsage {
		t.Errorf("--step without --landing: exit %d, want %d", code, exitUsage)
	}
}

func TestParseStepOutput(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   string
		took time.Duration
		rows int64
		err  bool
	}{
		{name: "a line", in: "12.500000 8500000\n", took: 12500 * time.Millisecond, rows: 8500000},
		{name: "nothing", in: "", err: true},
		{name: "a message instead", in: "edwh bench: no census\n", err: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			took, rows, err := parseStepOutput([]byte(tc.in))
			if (err != nil) != tc.err {
				t.Fatalf("error %v, want error: %v", err, tc.err)
			}
			if took != tc.took || rows != tc.rows {
				t.Errorf("%v, %d; want %v, %d", took, rows, tc.took, tc.rows)
			}
		})
	}
}

// The census copy the bench times with quarantined rows changes the UPN of
// every every-th data row and nothing else, and a load of it quarantines
// exactly those rows: what the bench's row for it says.
func TestQuarantinedCensus(t *testing.T) {
	if testing.Short() {
		t.Skip("loads a census")
	}
	_, landing := smallBenchLanding(t)
	dirty := filepath.Join(t.TempDir(), "landing")
	n, err := quarantinedCensus(censusOf(landing), censusOf(dirty), 1000)
	if err != nil {
		t.Fatal(err)
	}
	if n != 3 {
		t.Errorf("%d rows changed, want 3 (rows 1000, 2000 and 3000 of 3000)", n)
	}
	clean, _ := os.ReadFile(censusOf(landing))
	got, _ := os.ReadFile(censusOf(dirty))
	a, b := strings.Split(string(clean), "\n"), strings.Split(string(got), "\n")
	if len(a) != len(b) {
		t.Fatalf("%d lines, want %d", len(b), len(a))
	}
	for i := range a {
		want := a[i]
		if i > 0 && i%1000 == 0 {
			want = "NOTAUPN" + a[i][strings.IndexByte(a[i], ','):]
		}
		if b[i] != want {
			t.Errorf("line %d: %q, want %q", i+1, b[i], want)
		}
	}
	ctx := context.Background()
	_, cleanRows, err := timeCensusIngest(ctx, filepath.Join(t.TempDir(), "c"), landing)
	if err != nil {
		t.Fatal(err)
	}
	_, dirtyRows, err := timeCensusIngest(ctx, filepath.Join(t.TempDir(), "d"), dirty)
	if err != nil {
		t.Fatal(err)
	}
	if cleanRows-dirtyRows != int64(n) {
		t.Errorf("%d rows loaded from the copy, %d from the census: want %d fewer", dirtyRows, cleanRows, n)
	}
}

// A step's rate is its rows per second, except where that measures
// nothing: no rows, or cached data "generated" in no time.
func TestBenchStepRate(t *testing.T) {
	for _, tc := range []struct {
		name string
		step benchStep
		want string
	}{
		{"rows over seconds", benchStep{rows: 8_500_000, took: 10 * time.Second}, "850,000"},
		{"no rows", benchStep{took: 36 * time.Second}, "-"},
		{"a short step", benchStep{rows: 24_000, took: 90 * time.Millisecond}, "266,666"},
		{"cached generation", benchStep{rows: 19_100_000, took: 58 * time.Microsecond}, "-"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.step.rate(); got != tc.want {
				t.Errorf("rate() = %q, want %q", got, tc.want)
			}
		})
	}
}
