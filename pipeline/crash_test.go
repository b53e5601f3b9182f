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

// TestRandomKills kills runs with SIGKILL at random moments, 20 times, each
// time on top of what the previous killed run left, and checks after every
// kill that the working database opens and balances and that publish/ holds
// either nothing yet or one whole version. A final run must reach the same
// published content as a run that was never killed.
func TestRandomKills(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test")
	}
	// kills runs must die mid-run; a run that finishes before its kill does
	// not count, and the attempts stop at maxRuns whatever happens.
	const kills, maxRuns = 20, 40
	// Each run gets a new small file, so that every run has ingest,
	// transform and publish to do (a run with nothing new is a no-op).
	late := func(i int) (string, []byte) {
		return filepath.Join("census", fmt.Sprintf("late_%02d.csv", i)), []byte(fmt.Sprintf(
			"UPN,LAESTAB,CensusDate,NCyearActual,SENprovision,FSMeligible\nB801200005001,8512001,%02d/%02d/2019,5,N,0\n", i%28+1, i/28+1))
	}
	clean, _ := deployment(t, true)
	key, _ := os.ReadFile(filepath.Join(clean.Dir, "secret.key"))
	runOnce(t, clean)
	for i := 0; i < maxRuns; i++ {
		name, data := late(i)
		os.WriteFile(filepath.Join(clean.LandingDir(), name), data, 0o644)
	}
	start := time.Now()
	runOnce(t, clean)
	full := time.Since(start)
	want := fingerprint(t, clean)

	c, _ := deployment(t, true)
	os.WriteFile(filepath.Join(c.Dir, "secret.key"), key, 0o600)
	rng := rand.New(rand.NewPCG(42, 0))
	killed, finished, runs := 0, 0, 0
	// Kill delays are drawn below the length of a run. The first bound is
	// the run above, which loads every late file at once; each run here that
	// finishes before its kill shortens the bound to its own length, so the
	// delays follow how long a run takes on this machine, whatever its
	// speed (CI machines differ by several times from a laptop).
	bound := full
	versions := map[string]bool{}
	for ; runs < maxRuns && killed < kills; runs++ {
		i := runs
		name, data := late(i)
		os.WriteFile(filepath.Join(c.LandingDir(), name), data, 0o644)
		cmd := subprocess(t, c, "")
		began := time.Now()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		delay := time.Duration(rng.Int64N(int64(bound)))
		time.Sleep(delay)
		cmd.Process.Signal(syscall.SIGKILL)
		err := cmd.Wait()
		if ee, ok := err.(*exec.ExitError); ok && ee.Sys().(syscall.WaitStatus).Signal() == syscall.SIGKILL {
			killed++
		} else {
			finished++
			if took := time.Since(began); took < bound {
				bound = took
			}
		}
		// publish/ is either absent or one complete version.
		if cur, err := os.Readlink(filepath.Join(c.PublishDir(), "current")); err == nil {
			versions[cur] = true
			for _, name := range []string{"edwh.duckdb", "report/index.html"} {
				if _, err := os.Stat(filepath.Join(c.PublishDir(), cur, name)); err != nil {
					t.Fatalf("kill %d after %v: current version %s lacks %s", i, delay, cur, name)
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
				t.Fatalf("kill %d after %v: the working database does not open: %v", i, delay, err)
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
			t.Fatalf("kill %d after %v: %s", i, delay, whole)
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
		t.Errorf("after %d kills the published marts differ from a run never killed:\n got %s\nwant %s", kills, got, want)
	}
	db, _ := warehouse.Open(c.DatabasePath(), warehouse.Options{ReadOnly: true})
	defer db.Close()
	if n := queryInt(t, db, `SELECT count(*) FROM (SELECT path FROM ops.loads WHERE status = 'loaded' GROUP BY path HAVING count(*) > 1)`); n != 0 {
		t.Errorf("%d files loaded twice", n)
	}
	t.Logf("%d runs killed, %d finished before the kill; first bound %v, last %v", killed, finished, full.Round(time.Millisecond), bound.Round(time.Millisecond))
	if killed < kills/2 {
		t.Errorf("only %d of %d runs were killed mid-run", killed, runs)
	}
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
	clean, _ := deployment(t, true)
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

// loadsWhole checks that the working database holds every load whole, as
// any reader finds it: for each file recorded as loaded, exactly
// rows_loaded rows in its source's raw table, and in ops.quarantine
// rows_quarantined records that quarantine a row, so that rows_read =
// rows_loaded + rows_quarantined holds of the tables and not only of the
// ledger; no raw row with a problem that quarantines it; no raw row of a
// load not recorded as loaded. It returns what is wrong, or "".
func loadsWhole(db *sql.DB) string {
	tables := map[string]bool{}
	rows, err := db.Query(`SELECT schema_name || '.' || table_name FROM duckdb_tables()`)
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
