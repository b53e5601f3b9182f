package bench

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/edwh/edwh/pipeline/synth"
)

var tiny = Scale{Schools: 60, LAs: 5, Pupils: 3000, KS2: 300, KS4: 300, Attendance: 3000, Exclusions: 200, Seed: 9}

func TestGenerateIsDeterministicAndCached(t *testing.T) {
	a, err := Generate(t.TempDir(), tiny)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Generate(t.TempDir(), tiny)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"census/census_spring_2019.csv", "attendance/attendance_2019.csv", "ks4/ks4_2019.csv"} {
		x, _ := os.ReadFile(filepath.Join(a, f))
		y, _ := os.ReadFile(filepath.Join(b, f))
		if len(x) == 0 || string(x) != string(y) {
			t.Errorf("%s differs between runs or is empty", f)
		}
	}
	// A second call reuses the cache rather than rewriting.
	p := filepath.Join(a, "census", "census_spring_2019.csv")
	st1, _ := os.Stat(p)
	if _, err := Generate(filepath.Dir(filepath.Dir(a)), tiny); err != nil {
		t.Fatal(err)
	}
	st2, _ := os.Stat(p)
	if !st1.ModTime().Equal(st2.ModTime()) {
		t.Error("cache was not reused")
	}
}

func TestGeneratedUPNsAreValidAndCountsRight(t *testing.T) {
	landing, err := Generate(t.TempDir(), tiny)
	if err != nil {
		t.Fatal(err)
	}
	f, _ := os.Open(filepath.Join(landing, "census", "census_spring_2019.csv"))
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Scan()
	n := 0
	for sc.Scan() {
		upn := strings.SplitN(sc.Text(), ",", 2)[0]
		c, err := synth.UPNCheckLetter(upn[1:])
		if err != nil || c != upn[0] {
			t.Fatalf("invalid UPN %s", upn)
		}
		n++
	}
	if n != tiny.Pupils {
		t.Errorf("%d census rows, want %d", n, tiny.Pupils)
	}
}
