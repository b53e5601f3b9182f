package pipeline_test

import (
	"fmt"
	"html/template"
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

// checkReportInBrowser renders the published report in headless Chromium
// and checks what the analyst reads against the published snapshot: the
// load figures are the run's own (ops.loads), the gap trend charts are
// drawn as SVG with labelled axes, suppressed figures show as suppressed
// (as many as the marts withhold), the schools table has schools with their
// figures; nothing went to the console, nothing is fetched from the
// network; a screenshot is kept in test-artifacts/ for a person to look at.
func checkReportInBrowser(t *testing.T, c *pipeline.Config, shotName string) {
	bin := chromium(t)
	page := "file://" + filepath.Join(c.PublishDir(), "report", "index.html")
	profile := t.TempDir()
	dom, err := exec.Command(bin, append(browserArgs(profile), "--dump-dom", page)...).CombinedOutput()
	if err != nil {
		t.Fatalf("chromium: %v\n%s", err, dom)
	}
	out := string(dom)
	snap := openSnapshot(t, c)
	part := func(from, to string) string {
		i := strings.Index(out, from)
		j := strings.Index(out[i+1:], to)
		if i < 0 || j < 0 {
			t.Fatalf("the rendered report has no %s ... %s", from, to)
		}
		return out[i : i+1+j]
	}

	// Load and data quality: the run's files, rows and quarantine, as
	// ops.loads (published as loads) has them.
	run := queryInt(t, snap, `SELECT max(run_id) FROM runs`)
	cell := func(th string) string {
		m := regexp.MustCompile(`<tr><th>` + regexp.QuoteMeta(th) + `</th><td class="n">([^<]*)</td></tr>`).FindStringSubmatch(out)
		if m == nil {
			t.Errorf("the report has no %q figure", th)
			return ""
		}
		return m[1]
	}
	for _, f := range []struct{ th, q string }{
		{"Files loaded", `SELECT count(*) FROM loads WHERE run_id = ? AND status = 'loaded'`},
		{"Files refused", `SELECT count(*) FROM loads WHERE run_id = ? AND status = 'refused'`},
		{"Rows loaded", `SELECT coalesce(sum(rows_loaded), 0) FROM loads WHERE run_id = ?`},
		{"Rows quarantined", `SELECT coalesce(sum(rows_quarantined), 0) FROM loads WHERE run_id = ?`},
		{"Values set to NULL or flagged", `SELECT coalesce(sum(values_nulled), 0) FROM loads WHERE run_id = ?`},
	} {
		if got, want := cell(f.th), fmt.Sprint(queryInt(t, snap, f.q, run)); got != want {
			t.Errorf("report: %s %s; ops.loads of run %d: %s", f.th, got, run, want)
		}
	}
	if n := queryInt(t, snap, `SELECT count(*) FROM loads WHERE run_id = ?`, run); !strings.Contains(out, fmt.Sprintf("Files loaded (%d)", n)) {
		t.Errorf("the load details do not list the run's %d files", n)
	}
	// Every file of the run, with its counts, in the details table.
	rows, err := snap.Query(`SELECT path, status, rows_read, rows_loaded, rows_quarantined, values_nulled FROM loads WHERE run_id = ?`, run)
	if err != nil {
		t.Fatal(err)
	}
	files := 0
	for rows.Next() {
		var path, status string
		var read, loaded, quar, nulled int64
		if err := rows.Scan(&path, &status, &read, &loaded, &quar, &nulled); err != nil {
			t.Fatal(err)
		}
		files++
		row := fmt.Sprintf(`<td>%s</td><td>%s</td><td class="n">%d</td><td class="n">%d</td><td class="n">%d</td><td class="n">%d</td>`,
			template.HTMLEscapeString(path), status, read, loaded, quar, nulled)
		if !strings.Contains(out, row) {
			t.Errorf("the load details lack %s with its counts (%d read, %d loaded, %d quarantined, %d nulled)", path, read, loaded, quar, nulled)
		}
	}
	rows.Close()
	if files == 0 {
		t.Error("the run loaded no files")
	}
	if q := queryInt(t, snap, `SELECT count(*) FROM loads WHERE run_id = ? AND rows_quarantined > 0`, run); q > 0 && !strings.Contains(out, "Quarantine, by reason") {
		t.Error("rows were quarantined but the report has no quarantine reasons")
	}

	// The gap trend charts: disadvantaged and SEN, SVG with both axes
	// labelled, one open "supp." marker per figure the gaps mart withholds.
	gaps := part(`<h2 id="gaps">`, `<h2 id="effects">`)
	figs := regexp.MustCompile(`(?s)<figure><svg.*?</svg>\s*<figcaption>.*?</figcaption></figure>`).FindAllString(gaps, -1)
	for _, cmp := range []struct{ key, title string }{
		{"disadvantaged_vs_other", "Disadvantaged pupils compared with other pupils"},
		{"sen_support_vs_no_sen", "Pupils on SEN support compared with pupils with no SEN"},
		{"ehcp_vs_no_sen", "Pupils with an EHC plan compared with pupils with no SEN"},
	} {
		var fig string
		for _, f := range figs {
			if strings.Contains(f, "<title>"+cmp.title+"</title>") {
				fig = f
			}
		}
		if fig == "" {
			t.Errorf("no gap chart %q", cmp.title)
			continue
		}
		if !strings.Contains(fig, `role="img"`) || !strings.Contains(fig, ">academic year</text>") ||
			!regexp.MustCompile(`<text[^>]*rotate\(-90[^>]*><title>gap \(group minus reference\), percentage points</title>`).MatchString(fig) {
			t.Errorf("gap chart %q lacks its axis labels (academic year; gap, percentage points)", cmp.title)
		}
		if n := strings.Count(fig, "<polyline") + strings.Count(fig, "<path"); n == 0 {
			t.Errorf("gap chart %q draws no lines", cmp.title)
		}
		sup := queryInt(t, snap, `SELECT count(*) FROM gaps WHERE level = 'la' AND source = 'pupil_data' AND la_code = 851
			AND comparison = ? AND suppressed
			AND measure IN ('phonics_expected', 'ks2_rwm_expected', 'ks4_eng_mat_94', 'overall_absence_rate', 'suspension_rate')`, cmp.key)
		if got := int64(strings.Count(fig, ">supp.</text>")); got != sup {
			t.Errorf("gap chart %q shows %d figures as suppressed, the gaps mart withholds %d", cmp.title, got, sup)
		}
		if sup > 0 && !strings.Contains(fig, "value suppressed") {
			t.Errorf("gap chart %q has no key for its suppressed figures", cmp.title)
		}
	}

	// Intervention effects: forest plots, a withheld estimate drawn as
	// "suppressed", never as a number.
	effects := part(`<h2 id="effects">`, `<h2 id="schools">`)
	if !strings.Contains(effects, "SEND Triads") || strings.Count(effects, `role="img"`) == 0 {
		t.Error("no forest plot of the SEND Triads programme")
	}
	supEff := queryInt(t, snap, `SELECT count(*) FROM intervention_effects WHERE pupil_group = 'all' AND level IN ('programme', 'group')
		AND measure IN ('overall_absence_rate', 'persistent_absence_rate', 'suspension_rate', 'ks2_rwm_expected', 'ks4_att8')
		AND (suppressed OR did IS NULL OR ci_low IS NULL)`)
	if got := int64(strings.Count(effects, ">suppressed</text>")); got != supEff {
		t.Errorf("the forest plots show %d estimates as suppressed, intervention_effects withholds %d", got, supEff)
	}
	if supEff == 0 {
		t.Error("the synthetic LA has no suppressed effect: the check above proves nothing")
	}

	// Schools to support and showcase: rows with their figures and ranks.
	schools := part(`<h2 id="schools">`, `<h2 id="details">`)
	figure := regexp.MustCompile(`[a-z0-9 ]+ -?[0-9.]+ \([0-9]+ of [0-9]+\)<br>`)
	for _, h := range []string{"<h3>To support</h3>", "<h3>To showcase</h3>"} {
		i := strings.Index(schools, h)
		if i < 0 {
			t.Fatalf("no %s", h)
		}
		sec := schools[i:]
		if j := strings.Index(sec[len(h):], "<h3>"); j >= 0 {
			sec = sec[:len(h)+j]
		}
		trs := regexp.MustCompile(`(?s)<tr><td>[^<]+</td><td>(Primary|Secondary)[^<]*</td><td>20[0-9]{2}/[0-9]{2}</td><td>(.*?)</td></tr>`).FindAllStringSubmatch(sec, -1)
		if len(trs) == 0 {
			t.Errorf("%s lists no school with its figures:\n%s", h, sec)
		}
		for _, tr := range trs {
			if len(figure.FindAllString(tr[2], -1)) < 2 {
				t.Errorf("%s: a school with fewer than two figures and ranks: %s", h, tr[0])
			}
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
	shot, _ := filepath.Abs(filepath.Join(dir, shotName))
	if out, err := exec.Command(bin, append(browserArgs(t.TempDir()), "--window-size=1280,4000", "--screenshot="+shot, page)...).CombinedOutput(); err != nil {
		t.Errorf("screenshot: %v\n%s", err, out)
	}
	if st, err := os.Stat(shot); err != nil || st.Size() < 10000 {
		t.Errorf("no screenshot at %s", shot)
	}
	// The data dictionary page describes the marts and the run ledger
	// tables the snapshot publishes beside them.
	b, _ := os.ReadFile(filepath.Join(c.PublishDir(), "report", "dictionary.html"))
	if !strings.Contains(string(b), "pupil_key") || !strings.Contains(string(b), "intervention_effects") {
		t.Error("the data dictionary page lacks the marts")
	}
	for _, ops := range []string{"runs", "loads", "checks", "quarantine_summary"} {
		re := regexp.MustCompile(`<h2 id="` + ops + `"><code>` + ops + `</code></h2><p>[^<]{20,}</p>\s*<table><tr><th>Column</th><th>Type</th><th>Meaning</th></tr><tr><td><code>[a-z_]+</code></td><td>[A-Z]`)
		if !re.MatchString(string(b)) {
			t.Errorf("the data dictionary page lacks the ops table %s with its description and columns", ops)
		}
	}
}
