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
	write("fresh.csv", time.Now()) // still being written
	outside := filepath.Join(root, "secret.csv")
	os.WriteFile(outside, []byte("x"), 0o644)
	os.Symlink(outside, filepath.Join(dir, "link-out.csv"))
	os.Symlink(filepath.Join(dir, "a.csv"), filepath.Join(dir, "link-in.csv"))

	d, err := connectors.Discover(landing, "census", 5*time.Second, time.Now())
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
