package pipeline

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/edwh/edwh/transforms"
)

// TestReusableTakesOnlyUnchangedMarts: a publish reuses the current
// version's files of exactly the marts whose rows have the Output the
// version's manifest records, under the same publish key; and starts from
// the last snapshot only when most of its rows stay.
func TestReusableTakesOnlyUnchangedMarts(t *testing.T) {
	marts := []*transforms.Model{{Name: "mart.big"}, {Name: "mart.small"}, {Name: "mart.new"}}
	rows := map[string]int64{"mart.big": 1000, "mart.small": 10, "mart.new": 10}
	cases := []struct {
		name     string
		manifest string // "" for none
		outputs  map[string]string
		parquet  string // marts reused, sorted
		snapshot string // marts kept in a copied snapshot, sorted; "" if written whole
	}{
		{name: "unchanged marts are reused, the snapshot copied",
			manifest: `{"format": "k1", "marts": {"big": "o1", "small": "o2"}}`,
			outputs:  map[string]string{"mart.big": "o1", "mart.small": "o3", "mart.new": "o4"},
			parquet:  "big", snapshot: "big"},
		{name: "most rows changed: Parquet reused, snapshot written whole",
			manifest: `{"format": "k1", "marts": {"big": "o1", "small": "o2"}}`,
			outputs:  map[string]string{"mart.big": "o9", "mart.small": "o2", "mart.new": "o4"},
			parquet:  "small"},
		{name: "another publish key reuses nothing",
			manifest: `{"format": "k0", "marts": {"big": "o1", "small": "o2"}}`,
			outputs:  map[string]string{"mart.big": "o1", "mart.small": "o2"}},
		{name: "a version without a manifest reuses nothing",
			outputs: map[string]string{"mart.big": "o1", "mart.small": "o2"}},
		{name: "no Output (a --rebuild run) reuses nothing",
			manifest: `{"format": "k1", "marts": {"big": "", "small": ""}}`,
			outputs:  map[string]string{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			c := &Config{Dir: dir, Publish: "publish"}
			version := filepath.Join(c.PublishDir(), versionsDir, "run-000001")
			if err := os.MkdirAll(version, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(filepath.Join(versionsDir, "run-000001"), filepath.Join(c.PublishDir(), currentLink)); err != nil {
				t.Fatal(err)
			}
			if tc.manifest != "" {
				os.WriteFile(filepath.Join(version, manifestFile), []byte(tc.manifest), 0o644)
			}
			p := &publisher{cfg: c, outputs: tc.outputs, rows: rows}
			r := p.reusable(c.PublishDir(), "k1", marts)
			var pq, snap []string
			for m, from := range r.parquet {
				if from != filepath.Join(version, "parquet", m) {
					t.Errorf("%s reused from %s", m, from)
				}
				pq = append(pq, m)
			}
			for m := range r.snapshot {
				snap = append(snap, m)
			}
			sort.Strings(pq)
			sort.Strings(snap)
			if got := strings.Join(pq, " "); got != tc.parquet {
				t.Errorf("Parquet reused %q, want %q", got, tc.parquet)
			}
			if got := strings.Join(snap, " "); got != tc.snapshot {
				t.Errorf("snapshot keeps %q, want %q", got, tc.snapshot)
			}
			if (r.snapshotFrom != "") != (tc.snapshot != "") {
				t.Errorf("snapshot copied from %q", r.snapshotFrom)
			}
		})
	}
}
