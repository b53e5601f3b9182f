package pipeline_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/edwh/edwh/pipeline"
	"github.com/edwh/edwh/pipeline/warehouse"
)

// TestOnlyLoadsTheJobsSources is a per-source schedule: a job limited to
// attendance loads only landing/attendance, leaves the census files for a
// later job, and still transforms and publishes. The next unlimited run
// loads the census files it left.
func TestOnlyLoadsTheJobsSources(t *testing.T) {
	c, _ := deployment(t, true)
	landingFiles := func(src string) int64 {
		var n int64
		filepath.WalkDir(filepath.Join(c.LandingDir(), src), func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				n++
			}
			return nil
		})
		return n
	}
	attendance, census := landingFiles("attendance"), landingFiles("census")
	if attendance == 0 || census == 0 {
		t.Fatalf("the synthetic LA has %d attendance and %d census files", attendance, census)
	}
	sum, err := (&pipeline.Runner{Config: c, Trigger: "schedule", Only: []string{"attendance"}}).Run(t.Context())
	if err != nil {
		t.Fatalf("attendance-only run: %v", err)
	}
	if sum.FilesSeen != int(attendance) || sum.Models == 0 || sum.Published == "" {
		t.Errorf("attendance-only run: saw %d files (want %d), built %d models, published %q", sum.FilesSeen, attendance, sum.Models, sum.Published)
	}
	db, err := warehouse.Open(c.DatabasePath(), warehouse.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	bySource := func() map[string]int64 {
		m := map[string]int64{}
		rows, err := db.Query(`SELECT source, count(*) FROM ops.loads GROUP BY source`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var s string
			var n int64
			rows.Scan(&s, &n)
			m[s] = n
		}
		return m
	}
	loads := bySource()
	if len(loads) != 1 || loads["attendance"] != attendance {
		t.Errorf("after the attendance job, files recorded by source: %v; want only attendance's %d", loads, attendance)
	}
	db.Close()

	all := runOnce(t, c)
	if all.Published == "" {
		t.Errorf("full run: %+v", all)
	}
	db, _ = warehouse.Open(c.DatabasePath(), warehouse.Options{ReadOnly: true})
	defer db.Close()
	loads = bySource()
	if loads["census"] != census || loads["attendance"] != attendance {
		t.Errorf("after the full run, files by source: %v; want census %d (left for later), attendance %d (not again)", loads, census, attendance)
	}
}
