package pipeline_test

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/edwh/edwh/pipeline"
	"github.com/edwh/edwh/pipeline/synth"
)

// Sources loading side by side load exactly what one file at a time loads:
// every file's counts, the summary, and the published figures.
func TestIngestWorkersLoadWhatOneWorkerLoads(t *testing.T) {
	landing := filepath.Join(t.TempDir(), "landing")
	if _, err := synth.Generate(smallLA, landing); err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(t.TempDir(), "secret.key")
	if err := pipeline.NewSecretFile(keyFile); err != nil {
		t.Fatal(err)
	}
	key, err := os.ReadFile(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	type outcome struct {
		Files                     []string
		Loaded, Refused, Seen     int
		Rows, Quarantined, Nulled int64
		Refusals                  []string
		Gaps, Pupils, Attendance  string
	}
	run := func(workers int) outcome {
		dir := t.TempDir()
		cfg := "la_code: 851\nmemory_limit: 2GB\nthreads: 2\nlanding: " + landing +
			"\nparameters:\n  bootstrap_replicates: 100\ningest_workers: " + string(rune('0'+workers)) + "\n"
		if err := os.WriteFile(filepath.Join(dir, "edwh.yaml"), []byte(cfg), 0o644); err != nil {
			t.Fatal(err)
		}
		// The same key for both, so that pupil keys match.
		if err := os.WriteFile(filepath.Join(dir, "secret.key"), key, 0o600); err != nil {
			t.Fatal(err)
		}
		c, err := pipeline.LoadConfig(filepath.Join(dir, "edwh.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		if c.IngestWorkers != workers {
			t.Fatalf("ingest_workers %d, want %d", c.IngestWorkers, workers)
		}
		sum := runOnce(t, c)
		snap := openSnapshot(t, c)
		o := outcome{Loaded: sum.FilesLoaded, Refused: sum.FilesRefused, Seen: sum.FilesSeen,
			Rows: sum.RowsLoaded, Quarantined: sum.RowsQuarantined, Nulled: sum.ValuesNulled, Refusals: sum.Refused}
		rows, err := snap.Query(`SELECT source || ' ' || path || ' ' || status || ' ' || rows_read || ' ' || rows_loaded || ' ' ||
			rows_quarantined || ' ' || values_nulled FROM loads ORDER BY source, path`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var s string
			rows.Scan(&s)
			o.Files = append(o.Files, s)
		}
		rows.Close()
		fp := func(q string) string {
			var s string
			if err := snap.QueryRow(q).Scan(&s); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
			return s
		}
		o.Gaps = fp(`SELECT count(*) || ' ' || sum(hash(level, urn, measure, comparison, time_period, gap, group_n, suppressed)) FROM gaps`)
		o.Pupils = fp(`SELECT count(*) || ' ' || sum(hash(pupil_key, time_period, urn, disadvantaged, sen_status)) FROM pupils`)
		o.Attendance = fp(`SELECT count(*) || ' ' || sum(hash(pupil_key, time_period, urn, sessions_possible, sessions_absent)) FROM attendance`)
		return o
	}
	one, two := run(1), run(2)
	if one.Loaded == 0 || len(one.Files) < 10 || !strings.Contains(strings.Join(one.Files, "\n"), "census") {
		t.Fatalf("the synthetic LA loaded too little to compare: %+v", one)
	}
	if !reflect.DeepEqual(one, two) {
		t.Errorf("two workers loaded differently from one:\none: %+v\ntwo: %+v", one, two)
	}
}
