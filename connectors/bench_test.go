package connectors_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/edwh/edwh/connectors"
	"github.com/edwh/edwh/connectors/census"
	"github.com/edwh/edwh/pipeline/warehouse"
)

// BenchmarkLoadCensusFile loads the census CSV named by EDWH_BENCH_CSV into
// a fresh on-disk database each iteration (make bench sets it).
func BenchmarkLoadCensusFile(b *testing.B) {
	path := os.Getenv("EDWH_BENCH_CSV")
	if path == "" {
		b.Skip("set EDWH_BENCH_CSV to a census CSV")
	}
	st, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	var closing, cpu time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		dir := b.TempDir()
		db, err := warehouse.Open(filepath.Join(dir, "w.duckdb"), warehouse.Options{TempDir: dir})
		if err != nil {
			b.Fatal(err)
		}
		conn, _ := db.Conn(ctx)
		warehouse.Migrate(ctx, conn)
		l := &connectors.Loader{Source: census.Source, TempDir: dir}
		cpu0 := cpuTime()
		b.StartTimer()
		res, err := l.Load(ctx, conn, 1, connectors.File{Path: path, Rel: "census/big.csv", Size: st.Size()})
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		cpu += cpuTime() - cpu0
		b.ReportMetric(float64(res.RowsRead), "rows")
		b.ReportMetric(float64(res.RowsQuarantined), "quarantined")
		// Closing checkpoints what the load's commit left in the WAL or
		// in memory (such as the line numbers' update): timed apart, as
		// for the floor, so both ways of comparing can be read.
		t0 := time.Now()
		conn.Close()
		db.Close()
		closing += time.Since(t0)
	}
	b.ReportMetric(closing.Seconds()/float64(b.N), "close-s/op")
	b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/op")
}
