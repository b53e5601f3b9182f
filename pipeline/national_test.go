package pipeline_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/edwh/edwh/pipeline"
	"github.com/edwh/edwh/pipeline/bench"
)

// TestNationalShapedRun runs the national benchmark's data at a tiny scale:
// several LAs and no la_code, as a researcher loading national extracts
// would. It must publish: the national bench run once failed at the very
// end because the report charted every LA's gaps as one LA's line.
func TestNationalShapedRun(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the pipeline")
	}
	dir := t.TempDir()
	landing, err := bench.Generate(filepath.Join(dir, "data"), bench.Scale{Schools: 90, LAs: 3, Pupils: 6000, KS2: 500, KS4: 500, Attendance: 6000, Exclusions: 600, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	dep := filepath.Join(dir, "deployment")
	os.MkdirAll(dep, 0o755)
	os.WriteFile(filepath.Join(dep, "edwh.yaml"), []byte("landing: "+landing+"\nthreads: 2\nparameters:\n  neighbours_same_la: 1\n  bootstrap_replicates: 100\n"), 0o644)
	if err := pipeline.NewSecretFile(filepath.Join(dep, "secret.key")); err != nil {
		t.Fatal(err)
	}
	c, err := pipeline.LoadConfig(filepath.Join(dep, "edwh.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	sum := runOnce(t, c)
	if sum.Published == "" || sum.RowsLoaded == 0 {
		t.Fatalf("no publish: %+v", sum)
	}
	snap := openSnapshot(t, c)
	if n := queryInt(t, snap, `SELECT count(DISTINCT la_code) FROM gaps WHERE level = 'la' AND source = 'pupil_data'`); n < 2 {
		t.Errorf("gaps for %d LAs, want one per LA loaded", n)
	}
	report, err := os.ReadFile(filepath.Join(c.PublishDir(), "report", "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(report), "no la_code in edwh.yaml") {
		t.Error("the report does not say why it has no gap charts")
	}
}
