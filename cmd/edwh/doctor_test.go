package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/edwh/edwh/pipeline"
)

func TestDoctor(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "la")
	if code, _, e := edwh(t, "init", "--la", "851", dir); code != 0 {
		t.Fatal(e)
	}
	cfg := filepath.Join(dir, "edwh.yaml")
	tests := []struct {
		name  string
		setup func()
		code  int
		want  string
	}{
		{"fresh deployment: no database yet", func() {}, exitFailed, "no working database yet"},
		{"key readable by others", func() { os.Chmod(filepath.Join(dir, "secret.key"), 0o644) }, exitFailed, "chmod 600"},
		{"misspelt landing folder", func() {
			os.Chmod(filepath.Join(dir, "secret.key"), 0o600)
			os.MkdirAll(filepath.Join(dir, "landing", "cenus"), 0o755)
		}, exitFailed, "landing/cenus/ is read by no source"},
		{"after a good run", func() {
			os.Remove(filepath.Join(dir, "landing", "cenus"))
			// A performance tables absence file, so that the next case has
			// a last load to compare a new file's header with.
			writeFile(t, filepath.Join(dir, "landing", "perf_abs", "2017-18", "england_abs.csv"),
				"LA,ESTAB,URN,PERCTOT,PPERSABS10\n851,2000,116000,4.1,9.5\n851,2001,116001,5.2,12.0\n")
			if code, out, e := edwh(t, "run", "--config", cfg); code != 0 {
				t.Fatalf("run: %s %s", out, e)
			}
		}, exitOK, "all good"},
		{"schema change since the last run: a new file's header lacks a column and has a new one", func() {
			writeFile(t, filepath.Join(dir, "landing", "perf_abs", "2018-19", "england_abs.csv"),
				"LA,ESTAB,URN,PERCTOT,PSESSAUTH\n851,2000,116000,4.0,3.1\n")
		}, exitFailed, "schema change waiting in landing/perf_abs/2018-19/england_abs.csv since perf_abs/2017-18/england_abs.csv: new columns PSESSAUTH; missing columns PPERSABS10"},
		{"same header as the last load: no schema change", func() {
			writeFile(t, filepath.Join(dir, "landing", "perf_abs", "2018-19", "england_abs.csv"),
				"LA,ESTAB,URN,PERCTOT,PPERSABS10\n851,2000,116000,4.0,8.0\n")
		}, exitOK, "all good"},
		{"low disk: less free than --min-free-gb", func() {
			os.Remove(filepath.Join(dir, "landing", "perf_abs", "2018-19", "england_abs.csv"))
		}, exitFailed, "folder has"},
		{"lock held by another process: a run under way", func() {
			holdLock(t, filepath.Join(dir, "warehouse", "edwh.lock"), time.Now())
		}, exitOK, "a run is under way now (pid 4242 on testhost since"},
		{"lock held by another process for a day: a run stuck", func() {
			holdLock(t, filepath.Join(dir, "warehouse", "edwh.lock"), time.Now().Add(-25*time.Hour))
		}, exitFailed, "a process has held the warehouse lock for 25h"},
		{"missing config", func() {}, exitFailed, "edwh init"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.setup()
			args := []string{"doctor", "--config", cfg}
			switch {
			case tt.name == "missing config":
				args[2] = filepath.Join(dir, "nope.yaml")
			case strings.HasPrefix(tt.name, "low disk"):
				// More than any disk has, rather than filling one.
				args = append(args, "--min-free-gb", "1e9")
			}
			code, out, _ := edwh(t, args...)
			if code != tt.code || !strings.Contains(out, tt.want) {
				t.Errorf("code %d, want %d and %q; output:\n%s", code, tt.code, tt.want, out)
			}
		})
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// holdLock has another process, flock(1), hold the run lock for the rest of
// the subtest, with the holder line a run writes (taken at since).
func holdLock(t *testing.T, path string, since time.Time) {
	t.Helper()
	flock, err := exec.LookPath("flock")
	if err != nil {
		t.Skip("no flock(1) here (util-linux)")
	}
	writeFile(t, path, fmt.Sprintf("pid 4242 on testhost since %s\n", since.Format(time.RFC3339)))
	cmd := exec.Command(flock, "--nonblock", path, "sleep", "60")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	for i := 0; pipeline.LockHolder(path) == ""; i++ {
		if i == 100 {
			t.Fatal("flock(1) did not take the lock")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
