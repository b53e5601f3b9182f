package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/edwh/edwh/connectors/conntest"
)

// copyInto copies a real DfE file into a deployment's landing folder (a
// temporary one, never the repository).
func copyInto(t *testing.T, name, dst string) {
	t.Helper()
	d := conntest.DataDir()
	if d == "" {
		t.Skip("real DfE files not available")
	}
	b, err := os.ReadFile(filepath.Join(d, name))
	if err != nil {
		t.Skip("real DfE file not available: ", err)
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// An LA drops the KS4 performance tables file and the statistical
// neighbours workbook into its landing folders, runs edwh, and asks where
// it stands on Progress 8.
func TestRankPortsmouthP8(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "la")
	if code, _, e := edwh(t, "init", "--la", "851", dir); code != 0 {
		t.Fatalf("init: %s", e)
	}
	landing := filepath.Join(dir, "landing")
	copyInto(t, "performance-tables-2018-19/england_ks4provisional.csv", filepath.Join(landing, "perf_ks4", "performance-tables-2018-19", "england_ks4provisional.csv"))
	copyInto(t, "statistical-neighbours/sn_april_2021.xlsx", filepath.Join(landing, "neighbours", "sn_april_2021.xlsx"))
	copyInto(t, "statistical-neighbours/la_code_list.xlsx", filepath.Join(landing, "la_codes", "la_code_list.xlsx"))
	cfg := filepath.Join(dir, "edwh.yaml")
	if code, out, e := edwh(t, "run", "--config", cfg, "--quiet"); code != 0 {
		t.Fatalf("run: %d\n%s\n%s", code, out, e)
	}

	tests := []struct {
		name string
		args []string
		code int
		want []string // lines or fragments the output must have
	}{
		{"the LA from edwh.yaml, working database", []string{"--measure", "p8"}, 0, []string{
			"Portsmouth (851): KS4: Progress 8 (adjusted for extreme scores)",
			"measure p8, DfE field P8MEA, source perf_ks4; higher is better",
			"YEAR VALUE NATIONAL RANK QUARTILE NEIGHBOUR RANK ENGLAND",
			"2018/19 (provisional) -0.41 146 of 150 4 10 of 11 -0.03",
			"2018/19: the LA and its 10 statistical neighbours (set sn_april_2021)",
			"RANK LA NAME VALUE NATIONAL RANK CLOSENESS",
			"1 882 Southend-on-Sea 0.11 33 of 150 Close",
			// ties share the best rank
			"6 852 Southampton -0.19 120 of 150 Very Close",
			"6 894 Telford and Wrekin -0.19 120 of 150 Close",
			"8 831 Derby -0.24 129 of 150 Very Close",
			"10 851 Portsmouth -0.41 146 of 150 (this LA)",
			"11 355 Salford -0.55 148 of 150 Close",
		}},
		{"a DfE field code, the published snapshot", []string{"--measure", "P8MEA", "--la", "851", "--published"}, 0, []string{
			"2018/19 (provisional) -0.41 146 of 150",
		}},
		{"another LA", []string{"--measure", "att8", "--la", "852"}, 0, []string{"Southampton (852)", "(this LA)"}},
		{"a measure not loaded", []string{"--measure", "ks2_rwm_expected"}, 2, nil},
		{"an LA without figures", []string{"--measure", "p8", "--la", "201"}, 1, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, e := edwh(t, append([]string{"rank", "--config", cfg}, tt.args...)...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d\n%s\n%s", code, tt.code, out, e)
			}
			// Compare with runs of spaces (tabwriter's padding) folded.
			var lines []string
			for _, l := range strings.Split(out, "\n") {
				lines = append(lines, strings.Join(strings.Fields(l), " "))
			}
			folded := strings.Join(lines, "\n")
			for _, w := range tt.want {
				if !strings.Contains(folded, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
		})
	}
}
