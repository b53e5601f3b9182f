package pipeline_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/edwh/edwh/connectors/conntest"
	"github.com/edwh/edwh/pipeline"
)

// landRealFile copies a real DfE file (../shared/data/dfe, read in place
// and never copied into the repository) into a test deployment's landing
// folder, which is a temporary one. The pipeline reads only files inside
// landing (a link out of it is refused as unsafe), so a copy it must be.
func landRealFile(t *testing.T, c *pipeline.Config, name, rel string) {
	t.Helper()
	d := conntest.DataDir()
	if d == "" {
		t.Skip("real DfE files not available (../shared/data/dfe)")
	}
	b, err := os.ReadFile(filepath.Join(d, name))
	if err != nil {
		t.Skipf("real DfE file %s not available: %v", name, err)
	}
	dst := filepath.Join(c.LandingDir(), filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// realRankingFiles are the DfE files that rank Portsmouth (LA 851): the
// same files, under the same landing paths, as transforms'
// TestBenchmarkingOnRealFiles loads for its hand-verified Portsmouth P8.
var realRankingFiles = []struct{ name, rel string }{
	{"performance-tables-2018-19/england_ks4provisional.csv", "perf_ks4/performance-tables-2018-19/england_ks4provisional.csv"},
	{"statistical-neighbours/sn_april_2021.xlsx", "neighbours/sn_april_2021.xlsx"},
	{"statistical-neighbours/la_code_list.xlsx", "la_codes/la_code_list.xlsx"},
}

// The report's "Where we stand" section, from a run over the real DfE KS4
// performance tables and statistical neighbours (with the synthetic LA's
// pupil data, also LA 851, alongside): Portsmouth's P8 is 146th of 150
// nationally and 10th of 11 among it and its neighbours (verified by hand
// in TestBenchmarkingOnRealFiles), and each measure gets a dot plot of
// every LA with Portsmouth highlighted and its neighbours marked.
func TestReportRankingsOnRealFiles(t *testing.T) {
	c, _ := deployment(t, true)
	for _, f := range realRankingFiles {
		landRealFile(t, c, f.name, f.rel)
	}
	sum := runOnce(t, c)
	if sum.Published == "" {
		t.Fatalf("nothing published: %+v", sum)
	}
	b, err := os.ReadFile(filepath.Join(c.PublishDir(), "report", "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	page := string(b)
	ranks := section(t, page, `<h2 id="ranks">`, `<h2 id="gaps">`)

	// The table row of Progress 8: our figure, national and neighbour rank.
	p8 := regexp.MustCompile(`<tr><td>KS4: Progress 8[^<]*</td><td>2018/19[^<]*</td><td class="n">-0.41[^<]*</td><td>146 of 150</td><td>10 of 11</td>`)
	if !p8.MatchString(ranks) {
		t.Errorf("the rankings table lacks Portsmouth's P8 row (-0.41, 146 of 150, 10 of 11):\n%s", clip(ranks))
	}
	if strings.Contains(page, "set la_code in edwh.yaml") || strings.Contains(page, "no published DfE figures for your LA") {
		t.Error("the report says rankings are missing")
	}

	// One dot plot per measure ranked, each with Portsmouth highlighted.
	figs := regexp.MustCompile(`(?s)<figure><svg.*?</svg>\s*<figcaption>([^<]*)</figcaption></figure>`).FindAllStringSubmatch(ranks, -1)
	rows := strings.Count(ranks, "<tr><td>")
	if len(figs) < 5 || len(figs) != rows {
		t.Fatalf("%d dot plots for %d ranked measures, want one each and at least 5 (Attainment 8, Progress 8, ...)", len(figs), rows)
	}
	var p8Plot string
	for _, f := range figs {
		svg := f[0]
		if !strings.Contains(svg, `class="highlight"`) || !strings.Contains(svg, "Portsmouth: ") {
			t.Errorf("dot plot %q does not highlight Portsmouth", f[1])
		}
		if !strings.Contains(svg, "statistical neighbour") {
			t.Errorf("dot plot %q does not mark the statistical neighbours", f[1])
		}
		if strings.HasPrefix(f[1], "KS4: Progress 8") {
			p8Plot = svg
		}
	}
	if p8Plot == "" {
		t.Fatal("no Progress 8 dot plot")
	}
	// Portsmouth labelled with its value and national rank; every LA with a
	// P8 plotted; the value axis labelled.
	if !strings.Contains(p8Plot, "Portsmouth: -0.41 (rank 146 of 150)") {
		t.Errorf("the P8 dot plot does not label Portsmouth -0.41, rank 146 of 150:\n%s", clip(p8Plot))
	}
	if !strings.Contains(p8Plot, ">KS4: Progress 8 (adjusted for extreme scores) score</text>") {
		t.Error("the P8 dot plot has no axis label with the measure and its unit")
	}
	// Portsmouth's ten neighbours with a P8 are drawn as neighbours.
	if !strings.Contains(p8Plot, "statistical neighbour: 10 points") {
		t.Errorf("the P8 dot plot does not mark Portsmouth's 10 statistical neighbours:\n%s", clip(p8Plot))
	}
	// And the whole page, with the rankings, renders cleanly in a browser.
	checkReportInBrowser(t, c, "report-real-dfe.png")
}

// section is the part of page from the first from to the next to.
func section(t *testing.T, page, from, to string) string {
	t.Helper()
	i := strings.Index(page, from)
	if i < 0 {
		t.Fatalf("the report has no %s", from)
	}
	j := strings.Index(page[i:], to)
	if j < 0 {
		t.Fatalf("the report has no %s after %s", to, from)
	}
	return page[i : i+j]
}

func clip(s string) string {
	if len(s) > 3000 {
		return s[:3000] + "…"
	}
	return s
}
