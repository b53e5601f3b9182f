package connectors_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/edwh/edwh/connectors"
)

func TestDiscover(t *testing.T) {
	root := t.TempDir()
	landing := filepath.Join(root, "landing")
	dir := filepath.Join(landing, "census")
	os.MkdirAll(filepath.Join(dir, "2019"), 0o755)
	old := time.Now().Add(-time.Hour)
	write := func(name string, mod time.Time) {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte("x"), 0o644)
		os.Chtimes(p, mod, mod)
	}
	write("b.csv", old)
	write("a.csv", old)
	write("2019/c.csv", old.Add(-time.Minute)) // oldest first
	write("~$a.xlsx", old)
	write(".hidden.csv", old)
	write("upload.csv.part", old)
	// The scan happens a minute from now: every file's change time (the
	// real now, as each was written) is old enough, and settle goes by the
	// modification times set here.
	now := time.Now().Add(time.Minute)
	write("fresh.csv", now.Add(-time.Second)) // still being written
	outside := filepath.Join(root, "secret.csv")
	os.WriteFile(outside, []byte("x"), 0o644)
	os.Symlink(outside, filepath.Join(dir, "link-out.csv"))
	os.Symlink(filepath.Join(dir, "a.csv"), filepath.Join(dir, "link-in.csv"))

	d, err := connectors.Discover(landing, "census", 5*time.Second, now)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range d.Files {
		got = append(got, f.Rel)
	}
	want := []string{"census/2019/c.csv", "census/a.csv", "census/b.csv", "census/link-in.csv"}
	if len(got) != len(want) {
		t.Fatalf("files %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("files %v, want %v", got, want)
			break
		}
	}
	if len(d.Waiting) != 1 || d.Waiting[0].Rel != "census/fresh.csv" {
		t.Errorf("waiting %v", d.Waiting)
	}
	if len(d.Unsafe) != 1 || !errors.Is(d.Unsafe[0], connectors.ErrUnsafePath) {
		t.Errorf("unsafe %v", d.Unsafe)
	}
	// A missing source folder is not an error.
	if d, err := connectors.Discover(landing, "ks2", 0, time.Now()); err != nil || len(d.Files) != 0 {
		t.Errorf("missing folder: %v %v", d, err)
	}
}

// TestSettleSeesWritesThatKeepAnOldModificationTime: copy tools (cp -p,
// Windows Explorer to a share) give a file the original's old modification
// time while they are still writing it. Its size keeps changing, and with
// it the change time, so it waits; once neither has changed for the settle
// interval it is read. Time is the caller's clock, passed in.
func TestSettleSeesWritesThatKeepAnOldModificationTime(t *testing.T) {
	landing := t.TempDir()
	os.MkdirAll(filepath.Join(landing, "census"), 0o755)
	p := filepath.Join(landing, "census", "copied.csv")
	old := time.Now().Add(-24 * time.Hour)
	os.WriteFile(p, []byte("UPN,LAESTAB\n"), 0o644)
	os.Chtimes(p, old, old)
	settle := time.Minute
	files := func(now time.Time) (int, int) {
		t.Helper()
		d, err := connectors.Discover(landing, "census", settle, now)
		if err != nil {
			t.Fatal(err)
		}
		return len(d.Files), len(d.Waiting)
	}
	if f, w := files(time.Now()); f != 0 || w != 1 {
		t.Errorf("written just now with a day-old mtime: %d read, %d waiting; want it to wait", f, w)
	}
	later := time.Now().Add(settle + time.Second)
	if f, w := files(later); f != 1 || w != 0 {
		t.Errorf("after the settle interval: %d read, %d waiting; want it read", f, w)
	}
	// More bytes arrive (the copy was not finished); the mtime is set back.
	fh, _ := os.OpenFile(p, os.O_APPEND|os.O_WRONLY, 0)
	fh.WriteString("A123,8512001\n")
	fh.Close()
	os.Chtimes(p, old, old)
	if f, w := files(time.Now()); f != 0 || w != 1 {
		t.Errorf("size changed just now: %d read, %d waiting; want it to wait", f, w)
	}
	// Without a settle interval nothing waits.
	settle = 0
	if f, w := files(time.Now()); f != 1 || w != 0 {
		t.Errorf("settle 0: %d read, %d waiting", f, w)
	}
}
