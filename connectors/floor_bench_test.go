package connectors_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

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
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		dir := b.TempDir()
		db, err := warehouse.Open(filepath.Join(dir, "w.duckdb"), warehouse.Options{TempDir: dir})
		if err != nil {
			b.Fatal(err)
		}
		conn, _ := db.Conn(ctx)
		b.StartTimer()
		if _, err := conn.ExecContext(ctx, q, path); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		conn.Close()
		db.Close()
	}
}
