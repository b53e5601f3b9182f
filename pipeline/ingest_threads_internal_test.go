package pipeline

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/rs/zerolog"

	"github.com/edwh/edwh/connectors"
	fp "github.com/edwh/edwh/internal/failpoint"
	"github.com/edwh/edwh/pipeline/synth"
	"github.com/edwh/edwh/pipeline/warehouse"
)

// With two workers, each small file loads on one DuckDB thread (two loads
// side by side keep two cores busy), a big file loads alone on every
// thread, and ingest leaves the threads setting as it found it for the
// transforms, even though every new connection sets the configured threads.
func TestIngestThreadsPerLoad(t *testing.T) {
	for _, tc := range []struct {
		name    string
		bigFile int64
		workers int
		want    map[int]bool // threads settings seen as files loaded
	}{
		{"small files, two workers", 64 << 20, 2, map[int]bool{1: true}},
		{"every file big, two workers", 1, 2, map[int]bool{2: true}},
		{"one worker", 64 << 20, 1, map[int]bool{2: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer func(b int64) { bigFile = b }(bigFile)
			bigFile = tc.bigFile
			dir := t.TempDir()
			landing := filepath.Join(dir, "landing")
			if _, err := synth.Generate(synth.Config{Seed: 7, Schools: 30, Pupils: 900, Years: 3}, landing); err != nil {
				t.Fatal(err)
			}
			cfg := "la_code: 851\nthreads: 2\nlanding: " + landing + "\ningest_workers: " + string(rune('0'+tc.workers)) + "\n"
			if err := os.WriteFile(filepath.Join(dir, "edwh.yaml"), []byte(cfg), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := NewSecretFile(filepath.Join(dir, "secret.key")); err != nil {
				t.Fatal(err)
			}
			c, err := LoadConfig(filepath.Join(dir, "edwh.yaml"))
			if err != nil {
				t.Fatal(err)
			}
			secret, err := LoadSecret(c)
			if err != nil {
				t.Fatal(err)
			}
			db, err := OpenWorking(c, secret)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			ctx := context.Background()
			// The connection the test reads the setting on, opened first:
			// a connection opened during ingest would set it itself.
			look, err := db.Conn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer look.Close()
			if err := warehouse.Migrate(ctx, look); err != nil {
				t.Fatal(err)
			}
			for _, s := range Sources() {
				if err := connectors.EnsureTable(ctx, look, s); err != nil {
					t.Fatal(err)
				}
			}
			var mu sync.Mutex
			seen := map[int]bool{}
			loads := 0
			defer fp.SetHook(func(name string, n int) {
				if name != "load-committed" {
					return
				}
				mu.Lock()
				defer mu.Unlock()
				th, err := duckdbThreads(ctx, look)
				if err != nil {
					t.Error(err)
				}
				seen[th] = true
				loads++
			})()
			sum := &Summary{RunID: 1}
			if err := (&Runner{Config: c}).ingest(ctx, db, sum, zerolog.Nop(), Sources()); err != nil {
				t.Fatal(err)
			}
			if loads == 0 || sum.FilesLoaded != loads {
				t.Fatalf("%d loads seen, %d files loaded", loads, sum.FilesLoaded)
			}
			if len(seen) != len(tc.want) {
				t.Errorf("threads while loading: %v, want %v", seen, tc.want)
			}
			for th := range tc.want {
				if !seen[th] {
					t.Errorf("threads while loading: %v, want %v", seen, tc.want)
				}
			}
			if th, err := duckdbThreads(ctx, look); err != nil || th != 2 {
				t.Errorf("threads after ingest: %d (%v), want 2, the configured setting", th, err)
			}
		})
	}
}
