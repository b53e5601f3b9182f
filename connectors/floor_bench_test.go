package connectors_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/edwh/edwh/pipeline/warehouse"
)

// BenchmarkDuckDBFloorCensusFile is what BenchmarkLoadCensusFile is measured
// against (issue 9): DuckDB alone loading the same CSV into a fresh on-disk
// database, every column as VARCHAR, no validation or lineage.
func BenchmarkDuckDBFloorCensusFile(b *testing.B) {
	path := os.Getenv("EDWH_BENCH_CSV")
	if path == "" {
		b.Skip("set EDWH_BENCH_CSV to a census CSV")
	}
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	header, err := bufio.NewReader(f).ReadString('\n')
	f.Close()
	if err != nil {
		b.Fatal(err)
	}
	var cols []string
	for _, h := range strings.Split(strings.TrimRight(header, "\r\n"), ",") {
		cols = append(cols, fmt.Sprintf("'%s': 'VARCHAR'", strings.ReplaceAll(h, "'", "''")))
	}
	q := fmt.Sprintf(`CREATE TABLE t AS SELECT * FROM read_csv(?, header = true, auto_detect = false, columns = {%s})`, strings.Join(cols, ", "))
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
		cpu0 := cpuTime()
		b.StartTimer()
		if _, err := conn.ExecContext(ctx, q, path); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		cpu += cpuTime() - cpu0
		t0 := time.Now()
		conn.Close()
		db.Close()
		closing += time.Since(t0)
	}
	b.ReportMetric(closing.Seconds()/float64(b.N), "close-s/op")
	b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/op")
}

// cpuTime is the CPU time this process has used, in every thread: on a
// machine shared with other work it varies less than the wall clock.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
