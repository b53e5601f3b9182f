package pipeline_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/edwh/edwh/pipeline"
	"github.com/edwh/edwh/pipeline/synth"
	"github.com/edwh/edwh/pipeline/warehouse"
	"github.com/edwh/edwh/transforms"
)

// A test binary re-executed with EDWH_TEST_RUN_CONFIG set runs the pipeline
// once and exits: crash tests kill such a process at failpoints.
func TestMain(m *testing.M) {
	if cfg := os.Getenv("EDWH_TEST_RUN_CONFIG"); cfg != "" {
		c, err := pipeline.LoadConfig(cfg)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		if _, err := (&pipeline.Runner{Config: c}).Run(context.Background()); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	code := m.Run()
	if demo.dir != "" {
		os.RemoveAll(demo.dir)
	}
	os.Exit(code)
}

// smallLA is a synthetic LA small enough for tests to load in seconds.
var smallLA = synth.Config{Seed: 7, Schools: 30, Pupils: 1500, Years: 3}

// deployment makes a deployment folder with config and key; the landing
// folder gets the synthetic LA when la is true.
func deployment(t *testing.T, la bool) (*pipeline.Config, *synth.Truth) {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "edwh.yaml"), []byte("la_code: 851\nmemory_limit: 2GB\nthreads: 2\n# fewer resamples: these tests are about runs, not intervals\nparameters:\n  bootstrap_replicates: 100\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := pipeline.NewSecretFile(filepath.Join(dir, "secret.key")); err != nil {
		t.Fatal(err)
	}
	var truth *synth.Truth
	if la {
		var err error
		if truth, err = synth.Generate(smallLA, filepath.Join(dir, "landing")); err != nil {
			t.Fatal(err)
		}
	}
	c, err := pipeline.LoadConfig(filepath.Join(dir, "edwh.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return c, truth
}

func runOnce(t *testing.T, c *pipeline.Config) *pipeline.Summary {
	t.Helper()
	sum, err := (&pipeline.Runner{Config: c}).Run(context.Background())
	if err != nil {
		t.Fatalf("run failed: %v (%+v)", err, sum)
	}
	return sum
}

func openSnapshot(t *testing.T, c *pipeline.Config) *sql.DB {
	t.Helper()
	db, err := warehouse.Open(filepath.Join(c.PublishDir(), "edwh.duckdb"), warehouse.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func queryInt(t *testing.T, db interface {
	QueryRow(string, ...any) *sql.Row
}, q string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := db.QueryRow(q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

func TestRunSyntheticLA(t *testing.T) {
	c, truth := deployment(t, true)
	sum := runOnce(t, c)
	if sum.Status != pipeline.StatusSucceeded || sum.Published == "" {
		t.Fatalf("%+v", sum)
	}
	snap := openSnapshot(t, c)

	// Every row read is loaded or quarantined, file by file.
	if n := queryInt(t, snap, `SELECT count(*) FROM loads WHERE status = 'loaded' AND rows_read <> rows_loaded + rows_quarantined`); n != 0 {
		t.Errorf("%d files do not balance", n)
	}
	// The census rows quarantined are exactly the bad rows the generator planted.
	for _, src := range []string{"census", "establishments", "audit", "interventions"} {
		want := 0
		for _, n := range truth.Bad[src] {
			want += n
		}
		got := queryInt(t, snap, `SELECT coalesce(sum(rows_quarantined), 0) FROM loads WHERE source = ?`, src)
		if got != int64(want) {
			t.Errorf("%s: %d rows quarantined, generator planted %d", src, got, want)
		}
		read := queryInt(t, snap, `SELECT coalesce(sum(rows_read), 0) FROM loads WHERE source = ? AND status = 'loaded'`, src)
		if read != int64(truth.Rows[src]) {
			t.Errorf("%s: %d rows read, generator wrote %d", src, read, truth.Rows[src])
		}
	}
	// The misspelt school of the register is held back, listed with the
	// school it resembles.
	if sum.RowsUnresolved != int64(len(truth.Programme.Unresolved)) || sum.RowsUnresolved == 0 {
		t.Errorf("%d register rows held back, generator misspelt %d", sum.RowsUnresolved, len(truth.Programme.Unresolved))
	}
	if n := queryInt(t, snap, `SELECT count(*) FROM quarantine_summary WHERE action = 'unresolved' AND source = 'interventions'
		AND contains(reason, ?)`, fmt.Sprintf("(URN %d)", truth.Programme.UnresolvedCandidate)); n != 1 {
		t.Errorf("the published quarantine summary does not list the misspelt register school with its candidate")
	}
	// One pupils row per pupil per year; every year loaded.
	years := queryInt(t, snap, `SELECT count(DISTINCT time_period) FROM pupils`)
	if years != int64(smallLA.Years) {
		t.Errorf("pupils covers %d years", years)
	}
	// The re-issued extract superseded its school's rows in the LA-wide file.
	if n := queryInt(t, snap, `SELECT count(*) FROM loads WHERE len(supersedes) > 0`); n != 1 {
		t.Errorf("%d loads supersede another, want 1 (the re-issue)", n)
	}
	// Parquet, partitioned by year.
	parts, _ := filepath.Glob(filepath.Join(c.PublishDir(), "parquet", "pupils", "time_period=*", "*.parquet"))
	if len(parts) != smallLA.Years {
		t.Errorf("pupils parquet partitions: %v", parts)
	}
	// Every table in the snapshot carries its comment, and every column its
	// description, for a researcher's DuckDB client to show.
	if n := queryInt(t, snap, `SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() AND coalesce(comment, '') = ''`); n != 0 {
		t.Errorf("%d published tables have no comment", n)
	}
	if n := queryInt(t, snap, `SELECT count(*) FROM duckdb_columns() WHERE database_name = current_database() AND coalesce(comment, '') = ''`); n != 0 {
		t.Errorf("%d published columns have no comment", n)
	}
	if _, err := os.Stat(filepath.Join(c.PublishDir(), "report", "index.html")); err != nil {
		t.Error(err)
	}
	checkReportInBrowser(t, c, "report.png")
}

func TestPublishedOutputsHoldNoUPN(t *testing.T) {
	c, truth := deployment(t, true)
	runOnce(t, c)
	// Scan every byte published (snapshot, Parquet, report) for each UPN the
	// generator wrote, and for anything shaped like a UPN in text columns.
	upns := map[string]bool{}
	for _, u := range append(truth.UPNs, truth.MalformedUPNs...) {
		upns[u] = true
	}
	err := filepath.Walk(filepath.Join(c.PublishDir(), ".versions"), func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		s := string(b)
		for u := range upns {
			if strings.Contains(s, u) {
				return fmt.Errorf("%s contains UPN %s…", p, u[:4])
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	snap := openSnapshot(t, c)
	rows, err := snap.Query(`SELECT table_name, column_name FROM information_schema.columns WHERE data_type = 'VARCHAR'`)
	if err != nil {
		t.Fatal(err)
	}
	var cols [][2]string
	for rows.Next() {
		var a, b string
		rows.Scan(&a, &b)
		cols = append(cols, [2]string{a, b})
		if b == "upn" || b == "dob" || b == "postcode" {
			t.Errorf("published column %s.%s", a, b)
		}
	}
	rows.Close()
	for _, col := range cols {
		q := fmt.Sprintf(`SELECT count(*) FROM "%s" WHERE regexp_matches("%s", '[A-HJ-NP-RT-Z][0-9]{11}[0-9A-HJ-NP-RT-Z]')`, col[0], col[1])
		if n := queryInt(t, snap, q); n != 0 {
			t.Errorf("%s.%s has %d UPN-shaped values", col[0], col[1], n)
		}
	}
	// pupil_key is stable across runs and deployments with the same key,
	// and is the HMAC-SHA256 of the UPN.
	if n := queryInt(t, snap, `SELECT count(*) FROM pupils WHERE length(pupil_key) <> 64`); n != 0 {
		t.Errorf("%d pupil keys are not 64 hex characters", n)
	}
}

func TestRerunWithNothingNewIsANoOp(t *testing.T) {
	c, _ := deployment(t, true)
	first := runOnce(t, c)
	second := runOnce(t, c)
	if second.Status != pipeline.StatusUnchanged || second.FilesLoaded != 0 || second.Published != "" {
		t.Errorf("second run: %+v", second)
	}
	cur, _ := os.Readlink(filepath.Join(c.PublishDir(), "current"))
	if !strings.HasSuffix(cur, first.Published) {
		t.Errorf("current is %s, want %s", cur, first.Published)
	}
	// A new file is loaded alone and republished.
	f := filepath.Join(c.LandingDir(), "census", "late.csv")
	os.WriteFile(f, []byte("UPN,LAESTAB,CensusDate,NCyearActual,SENprovision,FSMeligible\nB801200005001,8512001,17/01/2019,5,N,0\n"), 0o644)
	third := runOnce(t, c)
	if third.Status != pipeline.StatusSucceeded || third.FilesLoaded != 1 || third.Published == "" {
		t.Errorf("third run: %+v", third)
	}
}

func TestSecondRunIsRefusedWhileOneHoldsTheLock(t *testing.T) {
	c, _ := deployment(t, false)
	os.MkdirAll(c.WarehouseDir(), 0o755)
	lock, err := pipeline.AcquireLock(filepath.Join(c.WarehouseDir(), "edwh.lock"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = (&pipeline.Runner{Config: c}).Run(context.Background())
	if !errors.Is(err, pipeline.ErrLocked) || !strings.Contains(err.Error(), fmt.Sprintf("pid %d", os.Getpid())) {
		t.Errorf("err %v", err)
	}
	lock.Release()
	// Without a landing folder the run says what to do.
	if _, err := (&pipeline.Runner{Config: c}).Run(context.Background()); err == nil || !strings.Contains(err.Error(), "edwh init") {
		t.Errorf("no landing folder: %v", err)
	}
	os.MkdirAll(c.LandingDir(), 0o755)
	if _, err := (&pipeline.Runner{Config: c}).Run(context.Background()); err != nil {
		t.Errorf("after release: %v", err)
	}
}

func TestRunFailsWithoutAPrivateKey(t *testing.T) {
	c, _ := deployment(t, false)
	os.Chmod(filepath.Join(c.Dir, "secret.key"), 0o644)
	_, err := (&pipeline.Runner{Config: c}).Run(context.Background())
	if !errors.Is(err, pipeline.ErrSecret) || !strings.Contains(err.Error(), "chmod 600") {
		t.Errorf("err %v", err)
	}
}

// subprocess runs the pipeline in a child process with a failpoint.
func subprocess(t *testing.T, c *pipeline.Config, failpoint string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "EDWH_TEST_RUN_CONFIG="+filepath.Join(c.Dir, "edwh.yaml"), "EDWH_FAILPOINT="+failpoint)
	return cmd
}

// fingerprint summarises the published marts' content.
func fingerprint(t *testing.T, c *pipeline.Config) string {
	snap := openSnapshot(t, c)
	var parts []string
	for _, tbl := range []string{"pupils", "schools", "school_census"} {
		var h sql.NullString
		q := fmt.Sprintf(`SELECT md5(string_agg(CAST(t AS VARCHAR), '|' ORDER BY CAST(t AS VARCHAR))) FROM %s t`, tbl)
		if err := snap.QueryRow(q).Scan(&h); err != nil {
			t.Fatal(err)
		}
		parts = append(parts, tbl+"="+h.String)
	}
	snap.Close()
	return strings.Join(parts, " ")
}

func TestKilledRunsLeavePublishIntactAndRerunRecovers(t *testing.T) {
	if testing.Short() {
		t.Skip("crash tests run a dozen pipelines")
	}
	// The result a run that was never killed reaches.
	clean, _ := deployment(t, true)
	key, _ := os.ReadFile(filepath.Join(clean.Dir, "secret.key"))
	runOnce(t, clean)
	want := fingerprint(t, clean)

	// One kill in each phase; TestRandomKills covers the moments between.
	points := []string{"after-load:4", "transform:3", "before-publish", "publish:2"}
	for _, fp := range points {
		t.Run(fp, func(t *testing.T) {
			c, _ := deployment(t, true)
			os.WriteFile(filepath.Join(c.Dir, "secret.key"), key, 0o600) // same key, same pupil_keys
			// A first killed run has nothing published yet; publish a first
			// version from a part of the data so there is something to keep.
			err := subprocess(t, c, fp).Run()
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
				t.Fatalf("child was not killed at %s: %v", fp, err)
			}
			cur, _ := os.Readlink(filepath.Join(c.PublishDir(), "current"))
			if cur != "" {
				t.Errorf("killed first run published %s", cur)
			}
			if db, err := warehouse.Open(c.DatabasePath(), warehouse.Options{ReadOnly: true}); err != nil {
				t.Errorf("the working database does not open after a kill at %s: %v", fp, err)
			} else {
				if problem := loadsWhole(db); problem != "" {
					t.Errorf("after a kill at %s: %s", fp, problem)
				}
				db.Close()
			}
			// The working database opens, and the killed run is marked interrupted.
			sum := runOnce(t, c)
			if sum.Status != pipeline.StatusSucceeded {
				t.Fatalf("rerun: %+v", sum)
			}
			if got := fingerprint(t, c); got != want {
				t.Errorf("after a kill at %s and a rerun the marts differ from a clean run:\n got %s\nwant %s", fp, got, want)
			}
			db, _ := warehouse.Open(c.DatabasePath(), warehouse.Options{ReadOnly: true})
			defer db.Close()
			if n := queryInt(t, db, `SELECT count(*) FROM ops.runs WHERE status = 'interrupted'`); n != 1 {
				t.Errorf("%d runs marked interrupted", n)
			}
			if n := queryInt(t, db, `SELECT count(*) FROM ops.loads WHERE status = 'loaded' AND rows_read <> rows_loaded + rows_quarantined`); n != 0 {
				t.Errorf("unbalanced loads after a kill")
			}
			// Each file loaded exactly once, however many runs saw it.
			if n := queryInt(t, db, `SELECT count(*) FROM (SELECT path FROM ops.loads WHERE status = 'loaded' GROUP BY path HAVING count(*) > 1)`); n != 0 {
				t.Errorf("%d files loaded twice", n)
			}
		})
	}
}

func TestKillDuringASecondRunKeepsThePreviousPublish(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test")
	}
	for _, fp := range []string{"transform:2", "transform:30", "publish:2"} {
		t.Run(fp, func(t *testing.T) {
			c, _ := deployment(t, true)
			first := runOnce(t, c)
			before := fingerprint(t, c)
			models := modelTables(t, c)
			os.WriteFile(filepath.Join(c.LandingDir(), "census", "late.csv"),
				[]byte("UPN,LAESTAB,CensusDate,NCyearActual,SENprovision,FSMeligible\nB801200005001,8512001,17/01/2019,5,N,0\n"), 0o644)
			if err := subprocess(t, c, fp).Run(); err == nil {
				t.Fatal("child was not killed")
			}
			cur, _ := os.Readlink(filepath.Join(c.PublishDir(), "current"))
			if !strings.HasSuffix(cur, first.Published) {
				t.Errorf("current is %s, want the first run's %s", cur, first.Published)
			}
			if got := fingerprint(t, c); got != before {
				t.Errorf("published content changed by a killed run")
			}
			// Killed in the transform, the working database's models are the
			// first run's: the killed run's transaction never committed.
			// (Killed in publish, its transform had committed.)
			if got := modelTables(t, c); strings.HasPrefix(fp, "transform") && got != models {
				t.Errorf("a killed run changed the models in the working database:\nbefore %s\nafter  %s", models, got)
			}
			// No half-written version is left to be mistaken for a good one
			// once a later run cleans up: the rerun publishes a new one.
			sum := runOnce(t, c)
			if sum.Published == "" || sum.Published == first.Published {
				t.Errorf("rerun: %+v", sum)
			}
			db, err := warehouse.Open(c.DatabasePath(), warehouse.Options{ReadOnly: true})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			var left []string
			rows, err := db.Query(`SELECT table_name FROM duckdb_tables() UNION ALL SELECT view_name FROM duckdb_views() WHERE NOT internal`)
			if err != nil {
				t.Fatal(err)
			}
			for rows.Next() {
				var n string
				rows.Scan(&n)
				if transforms.IsStaged(n) {
					left = append(left, n)
				}
			}
			rows.Close()
			if len(left) != 0 {
				t.Errorf("staged tables or views left after the rerun: %v", left)
			}
		})
	}
}

func TestSnapshotReadableWhileARunLoads(t *testing.T) {
	c, _ := deployment(t, true)
	runOnce(t, c)
	snap := openSnapshot(t, c)
	before := queryInt(t, snap, `SELECT count(*) FROM pupils`)

	// New data arrives; a second run loads it in another process while a
	// researcher keeps querying the snapshot.
	os.WriteFile(filepath.Join(c.LandingDir(), "census", "late.csv"),
		[]byte("UPN,LAESTAB,CensusDate,NCyearActual,SENprovision,FSMeligible\nB801200005001,8512001,17/01/2020,5,N,0\n"), 0o644)
	cmd := subprocess(t, c, "")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	reads, readsWhileLocked := 0, 0
	lockPath := filepath.Join(c.WarehouseDir(), "edwh.lock")
loop:
	for {
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("second run: %v", err)
			}
			break loop
		default:
		}
		locked := pipeline.LockHolder(lockPath) != ""
		if n := queryInt(t, snap, `SELECT count(*) FROM pupils`); n != before {
			t.Fatalf("snapshot changed under an open reader: %d != %d", n, before)
		}
		reads++
		if locked {
			readsWhileLocked++
		}
		time.Sleep(5 * time.Millisecond)
	}
	if readsWhileLocked == 0 {
		t.Errorf("no read happened while the run held the warehouse (%d reads)", reads)
	}
	// A new connection sees the new version.
	snap.Close()
	if after := queryInt(t, openSnapshot(t, c), `SELECT count(*) FROM pupils`); after != before+1 {
		t.Errorf("new snapshot has %d pupil rows, want %d", after, before+1)
	}
}

// modelTables fingerprints every model table of the working database, with
// its row count and the sum of its rows' hashes. Staged tables (a run's
// models before they are put in place) are not models: a killed run leaves
// them, and the next run drops them.
func modelTables(t *testing.T, c *pipeline.Config) string {
	t.Helper()
	db, err := warehouse.Open(c.DatabasePath(), warehouse.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT schema_name || '.' || table_name FROM duckdb_tables()
		WHERE schema_name IN ('stg', 'mart') ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for rows.Next() {
		var n string
		rows.Scan(&n)
		if !transforms.IsStaged(n) {
			names = append(names, n)
		}
	}
	rows.Close()
	var b strings.Builder
	for _, n := range names {
		var count int64
		var sum sql.NullString
		// The names come from the catalog of edwh's own database.
		if err := db.QueryRow(`SELECT count(*), CAST(sum(hash(CAST(t AS VARCHAR))) AS VARCHAR) FROM `+n+` t`).Scan(&count, &sum); err != nil {
			t.Fatalf("%s: %v", n, err)
		}
		fmt.Fprintf(&b, "%s %d %s; ", n, count, sum.String)
	}
	if len(names) < 30 {
		t.Fatalf("only %d model tables: %s", len(names), b.String())
	}
	return b.String()
}
