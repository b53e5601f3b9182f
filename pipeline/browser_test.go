package pipeline_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/edwh/edwh/pipeline"
)

// chromium finds a headless browser, or skips: .ci/run installs Debian's
// chromium so that CI always runs this.
func chromium(t *testing.T) string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("no chromium on a CI machine: .ci/run should have installed it")
	}
	t.Skip("no chromium here (apt-get install chromium)")
	return ""
}

func browserArgs(profile string) []string {
	return []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir=" + profile, "--enable-logging=stderr", "--v=0"}
}

// checkReportInBrowser renders the published report in headless Chromium:
// the charts are there as SVG, nothing went to the console, and a
// screenshot is kept in test-artifacts/ for a person to look at.
func checkReportInBrowser(t *testing.T, c *pipeline.Config) {
	bin := chromium(t)
	page := "file://" + filepath.Join(c.PublishDir(), "report", "index.html")
	profile := t.TempDir()
	dom, err := exec.Command(bin, append(browserArgs(profile), "--dump-dom", page)...).CombinedOutput()
	if err != nil {
		t.Fatalf("chromium: %v\n%s", err, dom)
	}
	out := string(dom)
	if n := strings.Count(out, `role="img"`); n < 4 {
		t.Errorf("the rendered report has %d charts, want at least 4 (gaps and intervention effects)", n)
	}
	for _, want := range []string{"Gaps by key stage", "Intervention effects", "Schools to support", "SEND Triads"} {
		if !strings.Contains(out, want) {
			t.Errorf("the rendered report lacks %q", want)
		}
	}
	if m := regexp.MustCompile(`(?m)^.*(CONSOLE|Uncaught|Failed to load resource).*$`).FindString(out); m != "" {
		t.Errorf("console message while rendering the report: %s", m)
	}
	// The page must not reach for the network: no http(s) URLs in src/href.
	if m := regexp.MustCompile(`(src|href)="https?://`).FindString(out); m != "" {
		t.Errorf("the report loads %s: it must open offline", m)
	}
	dir := filepath.Join("..", "test-artifacts")
	os.MkdirAll(dir, 0o755)
	shot, _ := filepath.Abs(filepath.Join(dir, "report.png"))
	if out, err := exec.Command(bin, append(browserArgs(t.TempDir()), "--window-size=1280,4000", "--screenshot="+shot, page)...).CombinedOutput(); err != nil {
		t.Errorf("screenshot: %v\n%s", err, out)
	}
	if st, err := os.Stat(shot); err != nil || st.Size() < 10000 {
		t.Errorf("no screenshot at %s", shot)
	}
	// The data dictionary page describes the marts.
	b, _ := os.ReadFile(filepath.Join(c.PublishDir(), "report", "dictionary.html"))
	if !strings.Contains(string(b), "pupil_key") || !strings.Contains(string(b), "intervention_effects") {
		t.Error("the data dictionary page lacks the marts")
	}
}
