package bench

import (
	"os"
	"testing"
	"time"
)

// TestGenerateNational writes the national data set when EDWH_BENCH_DIR is
// set (make bench does it through edwh bench; this is for timing the
// generator alone).
func TestGenerateNational(t *testing.T) {
	dir := os.Getenv("EDWH_BENCH_DIR")
	if dir == "" {
		t.Skip("set EDWH_BENCH_DIR")
	}
	start := time.Now()
	p, err := Generate(dir, National)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s in %v", p, time.Since(start))
}
