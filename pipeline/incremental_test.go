package pipeline_test

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/edwh/edwh/pipeline"
	"github.com/edwh/edwh/pipeline/warehouse"
)

// martHashes hashes every published table except the run ledger's, whose
// run ids and times differ from run to run by design.
func martHashes(t *testing.T, c *pipeline.Config) map[string]string {
	t.Helper()
	snap := openSnapshot(t, c)
	rows, err := snap.Query(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'
		AND table_name NOT IN ('runs', 'loads', 'checks', 'quarantine_summary') ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var n string
		rows.Scan(&n)
		tables = append(tables, n)
	}
	rows.Close()
	out := map[string]string{}
	for _, tbl := range tables {
		var h string
		q := fmt.Sprintf(`SELECT coalesce(md5(string_agg(CAST(t AS VARCHAR), '|' ORDER BY CAST(t AS VARCHAR))), '') FROM %q t`, tbl)
		if err := snap.QueryRow(q).Scan(&h); err != nil {
			t.Fatal(err)
		}
		out[tbl] = h
	}
	snap.Close()
	return out
}

// parquetHashes hashes the rows of each mart's published Parquet files.
func parquetHashes(t *testing.T, c *pipeline.Config) map[string]string {
	t.Helper()
	dirs, err := os.ReadDir(filepath.Join(c.PublishDir(), "parquet"))
	if err != nil {
		t.Fatal(err)
	}
	db, err := warehouse.Open("", warehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	out := map[string]string{}
	for _, d := range dirs {
		glob := filepath.Join(c.PublishDir(), "parquet", d.Name(), "**", "*.parquet")
		var h string
		if queryInt(t, db, "SELECT count(*) FROM glob(?)", glob) == 0 {
			out[d.Name()] = "no files" // a mart with no rows
			continue
		}
		q := `SELECT coalesce(md5(string_agg(CAST(t AS VARCHAR), '|' ORDER BY CAST(t AS VARCHAR))), '') FROM read_parquet(?, hive_partitioning = true) t`
		if err := db.QueryRow(q, glob).Scan(&h); err != nil {
			t.Fatalf("%s: %v", d.Name(), err)
		}
		out[d.Name()] = h
	}
	return out
}

// TestIncrementalRunMatchesFullRebuild adds one file to a loaded LA: the run
// rebuilds only the models downstream of it, keeps the rest, and publishes
// exactly what rebuilding every model publishes. A second file that leaves a
// model's rows as they were keeps the models that read it. Changing a
// parameter rebuilds everything.
func TestIncrementalRunMatchesFullRebuild(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the pipeline four times")
	}
	c, _ := deployment(t, true)
	first := runOnce(t, c)
	if first.ModelsKept != 0 {
		t.Errorf("first run kept %d models", first.ModelsKept)
	}
	os.WriteFile(filepath.Join(c.LandingDir(), "census", "late.csv"), []byte(
		"UPN,LAESTAB,CensusDate,NCyearActual,SENprovision,FSMeligible\nB801200005001,8512001,17/01/2019,5,N,0\n"), 0o644)
	inc := runOnce(t, c)
	if inc.ModelsKept == 0 || inc.ModelsKept == inc.Models {
		t.Fatalf("after a new census file: %d of %d models kept, want some but not all", inc.ModelsKept, inc.Models)
	}
	if inc.ChecksCarried == 0 {
		t.Errorf("no check carried over from the kept models")
	}
	// The same pupil in the summer census: stg.census gains a row, but the
	// pupil's year still uses the spring census, so mart.pupils is rebuilt
	// with the same rows and the models that read it are kept.
	os.WriteFile(filepath.Join(c.LandingDir(), "census", "late_summer.csv"), []byte(
		"UPN,LAESTAB,CensusDate,NCyearActual,SENprovision,FSMeligible\nB801200005001,8512001,16/05/2019,5,N,0\n"), 0o644)
	summer := runOnce(t, c)
	if summer.ModelsUnchanged == 0 || summer.ModelsKept <= inc.ModelsKept || summer.ModelsPartial == 0 {
		t.Errorf("after a summer census that changes no pupil's year: %d models rebuilt unchanged, %d kept (%d after the spring file), %d by partition",
			summer.ModelsUnchanged, summer.ModelsKept, inc.ModelsKept, summer.ModelsPartial)
	}
	// stg.census is rebuilt only for the new census date, and mart.pupils
	// only for the pupil in it, which it finds unchanged.
	wh, err := warehouse.Open(c.DatabasePath(), warehouse.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	var how string
	if err := wh.QueryRow(`SELECT string_agg(model || CASE WHEN partial THEN ' by partition' WHEN unchanged THEN ' unchanged' ELSE '' END, ', ' ORDER BY model)
		FROM ops.models WHERE run_id = ? AND model IN ('stg.census', 'mart.pupils')`, summer.RunID).Scan(&how); err != nil {
		t.Fatal(err)
	}
	wh.Close()
	if how != "mart.pupils unchanged, stg.census by partition" {
		t.Errorf("after the summer file: %s; want mart.pupils unchanged, stg.census by partition", how)
	}
	got := martHashes(t, c)
	gotParquet := parquetHashes(t, c)
	// Marts whose rows did not change are published from the last
	// version's files: the Parquet hard-linked, the snapshot copied with
	// their tables, comments included.
	// reused: every Parquet file of the mart in run b's version is the
	// file of run a's version.
	reused := func(a, b *pipeline.Summary, mart string) bool {
		t.Helper()
		files := 0
		root := filepath.Join(c.PublishDir(), ".versions", b.Published)
		filepath.WalkDir(filepath.Join(root, "parquet", mart), func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			rel, _ := filepath.Rel(root, p)
			fb, err1 := os.Stat(p)
			fa, err2 := os.Stat(filepath.Join(c.PublishDir(), ".versions", a.Published, rel))
			if err1 != nil || err2 != nil || !os.SameFile(fa, fb) {
				files = -1 << 30
			}
			files++
			return nil
		})
		return files > 0
	}
	if reused(first, inc, "pupils") || !reused(first, inc, "attendance") || !reused(inc, summer, "pupils") {
		t.Errorf("Parquet reused: pupils after a new pupil %v, attendance then %v, pupils after the summer file %v; want false, true, true",
			reused(first, inc, "pupils"), reused(first, inc, "attendance"), reused(inc, summer, "pupils"))
	}
	snap := openSnapshot(t, c)
	if n := queryInt(t, snap, `SELECT count(*) FROM duckdb_columns() WHERE table_name = 'pupils' AND coalesce(comment, '') = ''`); n != 0 {
		t.Errorf("the copied snapshot lost the comments of %d columns of pupils", n)
	}
	if n := queryInt(t, snap, `SELECT max(run_id) FROM runs`); n != summer.RunID {
		t.Errorf("the snapshot's runs end at run %d, want the summer run %d", n, summer.RunID)
	}
	snap.Close()

	full, err := (&pipeline.Runner{Config: c, Rebuild: true}).Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if full.ModelsKept != 0 || full.ChecksCarried != 0 || full.Published == "" {
		t.Errorf("--rebuild kept %d models, carried %d checks, published %q", full.ModelsKept, full.ChecksCarried, full.Published)
	}
	want := martHashes(t, c)
	var differ []string
	for tbl, h := range want {
		if got[tbl] != h {
			differ = append(differ, tbl)
		}
	}
	wantParquet := parquetHashes(t, c)
	for mart, h := range wantParquet {
		if gotParquet[mart] != h {
			differ = append(differ, "parquet/"+mart)
		}
	}
	sort.Strings(differ)
	if len(want) < 10 || len(differ) > 0 {
		t.Errorf("%d tables compared; the incremental run published different %s from a full rebuild", len(want), strings.Join(differ, ", "))
	}
	t.Logf("incremental run: %d of %d models kept, %d checks carried, in %v; after the summer file %d kept, %d unchanged, in %v; full rebuild %v",
		inc.ModelsKept, inc.Models, inc.ChecksCarried, inc.Duration.Round(1e6),
		summer.ModelsKept, summer.ModelsUnchanged, summer.Duration.Round(1e6), full.Duration.Round(1e6))

	// A parameter reaches every model: all are rebuilt.
	cfg, _ := os.ReadFile(filepath.Join(c.Dir, "edwh.yaml"))
	os.WriteFile(filepath.Join(c.Dir, "edwh.yaml"), []byte(strings.Replace(string(cfg), "bootstrap_replicates: 100", "bootstrap_replicates: 101", 1)), 0o644)
	c2, err := pipeline.LoadConfig(filepath.Join(c.Dir, "edwh.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if sum := runOnce(t, c2); sum.ModelsKept != 0 {
		t.Errorf("after a parameter change %d models were kept", sum.ModelsKept)
	}
}
