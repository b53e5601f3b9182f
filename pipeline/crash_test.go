package pipeline_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/edwh/edwh/pipeline"
	"github.com/edwh/edwh/pipeline/warehouse"
)

// TestRandomKills kills runs with SIGKILL at random moments, at least 20
// times, each time on top of what the previous killed run left. The kills
// are aimed in turn at ingest, transform and publish: the child process
// traces the failpoints it passes (internal/failpoint), the test waits for
// the aimed phase to begin and kills after a random delay within that
// phase's length, and afterwards reads the trace to tell where the process
// really died. After every kill the working database must open and balance
// and publish/ must hold nothing yet or one whole version; a final run must
// reach the same published content as a run that was never killed.
func TestRandomKills(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test")
	}
	// kills runs must die mid-run, at least minPerPhase in each phase; a
	// run that finishes before its kill does not count, and the attempts
	// stop at maxRuns whatever happens.
	const kills, minPerPhase, maxRuns = 20, 4, 45
	// Each run gets a new small file, so that every run has ingest,
	// transform and publish to do (a run with nothing new is a no-op).
	late := func(i int) (string, []byte) {
		return filepath.Join("census", fmt.Sprintf("late_%02d.csv", i)), []byte(fmt.Sprintf(
			"UPN,LAESTAB,CensusDate,NCyearActual,SENprovision,FSMeligible\nB801200005001,8512001,%02d/%02d/2019,5,N,0\n", i%28+1, i/28+1))
	}
	// One file at a time: the kill is aimed at the n-th load to commit,
	// which must be the same file in both runs.
	clean, _ := deployment(t, true)
	clean.IngestWorkers = 1
	key, _ := os.ReadFile(filepath.Join(clean.Dir, "secret.key"))
	runOnce(t, clean)
	for i := 0; i < maxRuns; i++ {
		name, data := late(i)
		os.WriteFile(filepath.Join(clean.LandingDir(), name), data, 0o644)
	}
	runOnce(t, clean)
	want := fingerprint(t, clean)

	c, _ := deployment(t, true)
	os.WriteFile(filepath.Join(c.Dir, "secret.key"), key, 0o600)
	rng := rand.New(rand.NewPCG(42, 0))
	phases := []string{"ingest", "transform", "publish"}
	// Kill delays are drawn below each phase's length. The bounds start
	// long and shrink to the length of the phase in any run that finishes
	// before its kill, so they follow how fast this machine is.
	bound := map[string]time.Duration{"ingest": time.Second, "transform": 5 * time.Second, "publish": 3 * time.Second}
	died := map[string]int{}
	killed, finished, runs := 0, 0, 0
	tracePath := filepath.Join(t.TempDir(), "trace")
	enough := func() bool {
		for _, p := range phases {
			if died[p] < minPerPhase {
				return false
			}
		}
		return killed >= kills
	}
	for ; runs < maxRuns && !enough(); runs++ {
		i := runs
		aim := phases[i%len(phases)]
		name, data := late(i)
		os.WriteFile(filepath.Join(c.LandingDir(), name), data, 0o644)
		os.Remove(tracePath)
		cmd := subprocess(t, c, "")
		cmd.Env = append(cmd.Env, "EDWH_FAILPOINT_TRACE="+tracePath)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		var err error
		exited := false
		// Wait for the aimed phase to begin, then for the random delay.
		delay := time.Duration(rng.Int64N(int64(bound[aim])))
	wait:
		for {
			select {
			case err = <-done:
				exited = true
				break wait
			case <-time.After(time.Millisecond):
			}
			if _, at := phaseBegan(tracePath, aim); !at.IsZero() {
				select {
				case err = <-done:
					exited = true
				case <-time.After(time.Until(at.Add(delay))):
				}
				break wait
			}
		}
		if !exited {
			cmd.Process.Signal(syscall.SIGKILL)
			err = <-done
		}
		ended := time.Now()
		if ee, ok := err.(*exec.ExitError); ok && ee.Sys().(syscall.WaitStatus).Signal() == syscall.SIGKILL {
			killed++
			died[phaseOfDeath(tracePath)]++
			ended = time.Time{} // the aimed phase's end is known only if the next one began
		} else {
			if err != nil {
				t.Fatalf("run %d failed on its own: %v", i, err)
			}
			finished++
		}
		if took := phaseLength(tracePath, aim, ended); took > 0 && took < bound[aim] {
			bound[aim] = took
		}
		// publish/ is either absent or one complete version.
		if cur, err := os.Readlink(filepath.Join(c.PublishDir(), "current")); err == nil {
			for _, name := range []string{"edwh.duckdb", "report/index.html", "parquet/pupils"} {
				if _, err := os.Stat(filepath.Join(c.PublishDir(), cur, name)); err != nil {
					t.Fatalf("kill %d (%s, %v in): current version %s lacks %s", i, aim, delay, cur, name)
				}
			}
			fingerprint(t, c) // the snapshot opens and reads whole
		}
		db, err := warehouse.Open(c.DatabasePath(), warehouse.Options{ReadOnly: true})
		if err == nil {
			err = db.Ping()
		}
		if err != nil {
			if _, statErr := os.Stat(c.DatabasePath()); statErr == nil {
				t.Fatalf("kill %d (%s, %v in): the working database does not open: %v", i, aim, delay, err)
			}
			continue // killed before the database was created
		}
		var unbalanced int64
		db.QueryRow(`SELECT count(*) FROM ops.loads WHERE status = 'loaded' AND rows_read <> rows_loaded + rows_quarantined`).Scan(&unbalanced)
		whole := loadsWhole(db)
		db.Close()
		if unbalanced != 0 {
			t.Fatalf("kill %d: %d unbalanced loads", i, unbalanced)
		}
		if whole != "" {
			t.Fatalf("kill %d (%s, %v in): %s", i, aim, delay, whole)
		}
	}
	// The late files no run saw yet arrive before the final run, so that it
	// sees what the clean deployment saw.
	for i := runs; i < maxRuns; i++ {
		name, data := late(i)
		os.WriteFile(filepath.Join(c.LandingDir(), name), data, 0o644)
	}
	sum := runOnce(t, c)
	if sum.Status != pipeline.StatusSucceeded && sum.Status != pipeline.StatusUnchanged {
		t.Fatalf("final run %+v", sum)
	}
	if got := fingerprint(t, c); got != want {
		t.Errorf("after %d kills the published marts differ from a run never killed:\n got %s\nwant %s", killed, got, want)
	}
	db, _ := warehouse.Open(c.DatabasePath(), warehouse.Options{ReadOnly: true})
	defer db.Close()
	if n := queryInt(t, db, `SELECT count(*) FROM (SELECT path FROM ops.loads WHERE status = 'loaded' GROUP BY path HAVING count(*) > 1)`); n != 0 {
		t.Errorf("%d files loaded twice", n)
	}
	t.Logf("%d runs killed (ingest %d, transform %d, publish %d), %d finished before the kill; phase bounds %v",
		killed, died["ingest"], died["transform"], died["publish"], finished, bound)
	if !enough() {
		t.Errorf("in %d runs only %d were killed mid-run (ingest %d, transform %d, publish %d); want %d, at least %d in each phase",
			runs, killed, died["ingest"], died["transform"], died["publish"], kills, minPerPhase)
	}
}

// phaseMarks are the failpoints that open each phase of a run.
var phaseMarks = map[string]string{"ingest": "ingest", "transform": "transform", "publish": "before-publish"}

// traceLines reads a failpoint trace: the points passed, in order, and when.
func traceLines(path string) (names []string, at []time.Time) {
	data, _ := os.ReadFile(path)
	for _, line := range strings.Split(string(data), "\n") {
		var name string
		var n int
		var ns int64
		if _, err := fmt.Sscan(line, &name, &n, &ns); err == nil {
			names, at = append(names, name), append(at, time.Unix(0, ns))
		}
	}
	return names, at
}

// phaseBegan says whether and when the trace shows the phase beginning.
func phaseBegan(path, phase string) (int, time.Time) {
	names, at := traceLines(path)
	for i, n := range names {
		if n == phaseMarks[phase] {
			return i, at[i]
		}
	}
	return -1, time.Time{}
}

// phaseOfDeath names the phase of the last point the trace shows.
func phaseOfDeath(path string) string {
	names, _ := traceLines(path)
	phase := "ingest"
	for _, n := range names {
		switch n {
		case "transform":
			phase = "transform"
		case "before-publish", "publish":
			phase = "publish"
		}
	}
	return phase
}

// phaseLength is how long a phase lasted: until the next phase began, or
// until end for the last phase of a run that finished (zero end: unknown).
func phaseLength(path, phase string, end time.Time) time.Duration {
	i, began := phaseBegan(path, phase)
	if i < 0 {
		return 0
	}
	names, at := traceLines(path)
	next := map[string][]string{"ingest": {"transform", "before-publish"}, "transform": {"before-publish"}}[phase]
	for j := i + 1; j < len(names); j++ {
		for _, n := range next {
			if names[j] == n {
				return at[j].Sub(began)
			}
		}
	}
	if end.IsZero() {
		return 0
	}
	return end.Sub(began)
}

// TestDiskFullWhilePublishing fills the file system publish/ lives on: the
// run fails cleanly, says why, and the previous snapshot survives whole.
func TestDiskFullWhilePublishing(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to mount a small tmpfs")
	}
	c, _ := deployment(t, true)
	pub := c.PublishDir()
	os.MkdirAll(pub, 0o755)
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", pub).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs here: %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", "-l", pub).Run() })
	first := runOnce(t, c)
	before := fingerprint(t, c)

	// Leave a few kilobytes free.
	var st syscall.Statfs_t
	syscall.Statfs(pub, &st)
	free := int64(st.Bavail) * int64(st.Bsize)
	filler := filepath.Join(pub, "filler")
	f, _ := os.Create(filler)
	buf := make([]byte, 1<<20)
	for free > 64<<10 {
		n := int64(len(buf))
		if free-n < 32<<10 {
			n = free - 32<<10
		}
		if _, err := f.Write(buf[:n]); err != nil {
			break
		}
		free -= n
	}
	f.Close()

	os.WriteFile(filepath.Join(c.LandingDir(), "census", "late.csv"),
		[]byte("UPN,LAESTAB,CensusDate,NCyearActual,SENprovision,FSMeligible\nB801200005001,8512001,17/01/2019,5,N,0\n"), 0o644)
	sum, err := (&pipeline.Runner{Config: c}).Run(context.Background())
	if err == nil {
		t.Fatalf("run succeeded on a full disk: %+v", sum)
	}
	if !strings.Contains(strings.ToLower(err.Error()), "no space") || !strings.Contains(err.Error(), "previous publish/ is untouched") {
		t.Errorf("error does not say why: %v", err)
	}
	cur, _ := os.Readlink(filepath.Join(pub, "current"))
	if !strings.HasSuffix(cur, first.Published) {
		t.Errorf("current is %s, want %s", cur, first.Published)
	}
	if got := fingerprint(t, c); got != before {
		t.Error("the previous snapshot changed")
	}
	entries, _ := os.ReadDir(filepath.Join(pub, ".versions"))
	if len(entries) != 1 {
		t.Errorf("%d versions left behind, want only the previous one", len(entries))
	}
	// Space again: the next run publishes.
	os.Remove(filler)
	if sum := runOnce(t, c); sum.Published == "" {
		t.Errorf("after freeing space: %+v", sum)
	}
}

// TestKillAsALoadCommits kills a run the moment a file with quarantined
// rows has committed its load (failpoint load-committed), before the run
// does anything else. The working database must already be whole: a
// researcher opening it, or any reader, finds every loaded row in its raw
// table once and no quarantined row there, and the rerun reaches what a
// run never killed reaches. (Quarantined rows used to leave the raw table
// in a second transaction after the load's; a kill in between left them
// there, loaded and quarantined at once, until the next run.)
func TestKillAsALoadCommits(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test")
	}
	// One file at a time: the kill is aimed at the n-th load to commit,
	// which must be the same file in both runs.
	clean, _ := deployment(t, true)
	clean.IngestWorkers = 1
	key, _ := os.ReadFile(filepath.Join(clean.Dir, "secret.key"))
	runOnce(t, clean)
	want := fingerprint(t, clean)

	// The first loaded file with quarantined rows in a raw table that
	// receives every record first (not a Wide source), and how many loads
	// commit up to it: the same files load in the same order below.
	db, err := warehouse.Open(clean.DatabasePath(), warehouse.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	var narrow []string
	for _, s := range pipeline.Sources() {
		if !s.Wide {
			narrow = append(narrow, "'"+s.Name+"'")
		}
	}
	var n int
	var path string
	var quarantined int64
	if err := db.QueryRow(fmt.Sprintf(`SELECT k, path, rows_quarantined FROM (
			SELECT row_number() OVER (ORDER BY load_id) AS k, * FROM ops.loads WHERE status = 'loaded')
		WHERE rows_quarantined > 0 AND source IN (%s) ORDER BY k LIMIT 1`, strings.Join(narrow, ", "))).
		Scan(&n, &path, &quarantined); err != nil {
		t.Fatalf("no loaded file with quarantined rows to kill after: %v", err)
	}
	db.Close()

	c, _ := deployment(t, true)
	os.WriteFile(filepath.Join(c.Dir, "secret.key"), key, 0o600)
	cfg, err := os.OpenFile(filepath.Join(c.Dir, "edwh.yaml"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cfg.WriteString("ingest_workers: 1\n"); err != nil {
		t.Fatal(err)
	}
	cfg.Close()
	fp := fmt.Sprintf("load-committed:%d", n)
	err = subprocess(t, c, fp).Run()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("child was not killed at %s: %v", fp, err)
	}

	// As a reader finds it straight after the kill.
	db, err = warehouse.Open(c.DatabasePath(), warehouse.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	var lastPath string
	var lastQ int64
	if err := db.QueryRow(`SELECT path, rows_quarantined FROM ops.loads WHERE status = 'loaded' ORDER BY load_id DESC LIMIT 1`).
		Scan(&lastPath, &lastQ); err != nil {
		t.Fatal(err)
	}
	if lastPath != path || lastQ != quarantined {
		t.Fatalf("killed after %s (%d quarantined), want after %s (%d quarantined)", lastPath, lastQ, path, quarantined)
	}
	if problem := loadsWhole(db); problem != "" {
		t.Errorf("killed at %s, straight after %s committed: %s", fp, path, problem)
	}
	db.Close()

	sum := runOnce(t, c)
	if sum.Status != pipeline.StatusSucceeded {
		t.Fatalf("rerun: %+v", sum)
	}
	if got := fingerprint(t, c); got != want {
		t.Errorf("after a kill at %s and a rerun the marts differ from a clean run:\n got %s\nwant %s", fp, got, want)
	}
	db, _ = warehouse.Open(c.DatabasePath(), warehouse.Options{ReadOnly: true})
	defer db.Close()
	if problem := loadsWhole(db); problem != "" {
		t.Errorf("after the rerun: %s", problem)
	}
}

// A load of a row group or more leaves its quarantined rows in the store
// table, flagged, for the ingest to delete once the source's files have
// loaded. Killed in between, the run leaves them hidden by the raw view,
// and the next run deletes them before it loads anything; a run that
// finishes its ingest deletes them itself.
func TestKillBeforeQuarantinedRowsAreDeleted(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test")
	}
	c, _ := deployment(t, false)
	// A census of 130,000 rows (more than DuckDB's row group of 122,880),
	// three of them with a UPN whose check letter is wrong.
	census := func(date string) string {
		good := upn(t, "851200118001") + ",8512001," + date + ",1,N,0\n"
		var b strings.Builder
		b.WriteString("UPN,LAESTAB,CensusDate,NCyearActual,SENprovision,FSMeligible\n")
		for i := range 130_000 {
			if i%50_000 == 1 {
				b.WriteString("A851200118001,8512001," + date + ",1,N,0\n")
			} else {
				b.WriteString(good)
			}
		}
		return b.String()
	}
	writeLanding(t, c, map[string]string{"census/census_spring_2019.csv": census("17/01/2019")})
	ingest := func() {
		t.Helper()
		if _, err := (&pipeline.Runner{Config: c, IngestOnly: true}).Run(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	open := func() *sql.DB {
		t.Helper()
		db, err := warehouse.Open(c.DatabasePath(), warehouse.Options{ReadOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		return db
	}

	err := subprocess(t, c, "load-committed:1").Run()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("child was not killed as the census committed: %v", err)
	}
	db := open()
	if n := queryInt(t, db, `SELECT count(*) FROM raw.census`); n != 130_000-3 {
		t.Errorf("after the kill raw.census has %d rows, want %d", n, 130_000-3)
	}
	if n := flaggedRows(t, db); n != 3 {
		t.Errorf("after the kill %d rows are flagged in the store tables, want the census's 3: this test no longer kills a run between the commit and the delete", n)
	}
	if problem := loadsWhole(db); problem != "" {
		t.Errorf("after the kill: %s", problem)
	}
	db.Close()

	ingest()
	db = open()
	if n := flaggedRows(t, db); n != 0 {
		t.Errorf("after the next run %d quarantined rows are left in the store tables, want none", n)
	}
	db.Close()

	// A run that finishes deletes the rows of the file it loaded.
	writeLanding(t, c, map[string]string{"census/census_summer_2019.csv": census("16/05/2019")})
	ingest()
	db = open()
	defer db.Close()
	if n := queryInt(t, db, `SELECT count(*) FROM ops.loads WHERE status = 'loaded' AND rows_quarantined = 3`); n != 2 {
		t.Errorf("%d census loads with 3 rows quarantined, want 2", n)
	}
	if n := flaggedRows(t, db); n != 0 {
		t.Errorf("after a run that loaded a large file, %d quarantined rows are left in the store tables, want none", n)
	}
	if problem := loadsWhole(db); problem != "" {
		t.Errorf("after the runs: %s", problem)
	}
}

// flaggedRows counts the rows flagged _quarantined in the store tables of
// every source.
func flaggedRows(t *testing.T, db *sql.DB) int64 {
	t.Helper()
	var total int64
	for _, s := range pipeline.Sources() {
		var n int64
		if err := db.QueryRow(fmt.Sprintf("SELECT count(*) FROM %s WHERE _quarantined", s.StoreTable())).Scan(&n); err != nil {
			t.Fatal(err)
		}
		total += n
	}
	return total
}

// loadsWhole checks that the working database holds every load whole, as
// any reader finds it: for each file recorded as loaded, exactly
// rows_loaded rows in its source's raw view, and in ops.quarantine
// rows_quarantined records that quarantine a row, so that rows_read =
// rows_loaded + rows_quarantined holds of the tables and not only of the
// ledger; no raw row with a problem that quarantines it; no raw row of a
// load not recorded as loaded. It returns what is wrong, or "".
func loadsWhole(db *sql.DB) string {
	tables := map[string]bool{}
	rows, err := db.Query(`SELECT schema_name || '.' || table_name FROM duckdb_tables()
		UNION ALL SELECT schema_name || '.' || view_name FROM duckdb_views() WHERE NOT internal`)
	if err != nil {
		return err.Error()
	}
	for rows.Next() {
		var name string
		rows.Scan(&name)
		tables[name] = true
	}
	rows.Close()
	if !tables["ops.loads"] {
		return "" // killed before the ledger existed
	}
	var problems []string
	for _, s := range pipeline.Sources() {
		var wrong, bad, orphans int64
		if !tables[s.Table] {
			if err := db.QueryRow(`SELECT count(*) FROM ops.loads WHERE source = ? AND status = 'loaded' AND rows_loaded > 0`, s.Name).Scan(&wrong); err != nil {
				return err.Error()
			}
			if wrong > 0 {
				problems = append(problems, fmt.Sprintf("%s: %d loads but no table %s", s.Name, wrong, s.Table))
			}
			continue
		}
		if err := db.QueryRow(fmt.Sprintf(`SELECT count(*) FROM ops.loads l
			LEFT JOIN (SELECT _load_id, count(*) AS n FROM %s GROUP BY ALL) r ON r._load_id = l.load_id
			LEFT JOIN (SELECT load_id, count(DISTINCT line) AS n FROM ops.quarantine WHERE action = 'row' GROUP BY ALL) q ON q.load_id = l.load_id
			WHERE l.source = ? AND l.status = 'loaded'
			  AND (coalesce(r.n, 0) <> l.rows_loaded OR coalesce(q.n, 0) <> l.rows_quarantined
			       OR l.rows_read <> l.rows_loaded + l.rows_quarantined)`, s.Table), s.Name).Scan(&wrong); err != nil {
			return err.Error()
		}
		if err := db.QueryRow(fmt.Sprintf(`SELECT count(*) FILTER (WHERE list_contains(list_transform(_problems, x -> x.action), 'row')),
			count(*) FILTER (WHERE _load_id NOT IN (SELECT load_id FROM ops.loads WHERE status = 'loaded'))
			FROM %s`, s.Table)).Scan(&bad, &orphans); err != nil {
			return err.Error()
		}
		if wrong+bad+orphans > 0 {
			problems = append(problems, fmt.Sprintf("%s: %d loads whose rows in %s or ops.quarantine differ from ops.loads, %d quarantined rows in %s, %d rows of no recorded load",
				s.Name, wrong, s.Table, bad, s.Table, orphans))
		}
	}
	return strings.Join(problems, "; ")
}
