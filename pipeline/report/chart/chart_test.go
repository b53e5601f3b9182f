package chart

import (
	"encoding/xml"
	"errors"
	"fmt"
	"html"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"
)

// renderer is what every chart type implements.
type renderer interface {
	SVG() (string, error)
}

const trickyLabel = `St Mary's <Primary> & Co`

// element is one parsed SVG element.
type element struct {
	name  string
	attrs map[string]string
	text  string // character data directly inside the element
}

// parsed is a parsed chart.
type parsed struct {
	elems []element
}

// parseSVG checks that s is one well-formed XML element <svg> and returns
// its elements in document order.
func parseSVG(t *testing.T, s string) parsed {
	t.Helper()
	dec := xml.NewDecoder(strings.NewReader(s))
	dec.Strict = true
	var p parsed
	var stack []int
	roots := 0
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("not well-formed XML: %v\n%s", err, s)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			if len(stack) == 0 {
				roots++
			}
			e := element{name: tok.Name.Local, attrs: map[string]string{}}
			for _, a := range tok.Attr {
				e.attrs[a.Name.Local] = a.Value
			}
			p.elems = append(p.elems, e)
			stack = append(stack, len(p.elems)-1)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				p.elems[stack[len(stack)-1]].text += string(tok)
			} else if strings.TrimSpace(string(tok)) != "" {
				t.Fatalf("text outside the root element: %q", tok)
			}
		}
	}
	if roots != 1 || p.elems[0].name != "svg" {
		t.Fatalf("want exactly one root <svg>, got %d roots", roots)
	}
	return p
}

// texts returns the content of every <text> element.
func (p parsed) texts() []string {
	var out []string
	for _, e := range p.elems {
		if e.name == "text" {
			out = append(out, e.text)
		}
	}
	return out
}

// withClass returns the elements whose class list contains class.
func (p parsed) withClass(class string) []element {
	var out []element
	for _, e := range p.elems {
		if strings.Contains(" "+e.attrs["class"]+" ", " "+class+" ") {
			out = append(out, e)
		}
	}
	return out
}

func (p parsed) desc() string {
	for _, e := range p.elems {
		if e.name == "desc" {
			return e.text
		}
	}
	return ""
}

func hasText(texts []string, sub string) bool {
	for _, s := range texts {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

func count(texts []string, s string) int {
	n := 0
	for _, t := range texts {
		if t == s {
			n++
		}
	}
	return n
}

// checkBasics checks what every chart must satisfy: one <svg> with a
// viewBox, role="img", <title> and <desc> first, no text under 11px, and no
// NaN or Inf leaking into coordinates.
func checkBasics(t *testing.T, s string) parsed {
	t.Helper()
	p := parseSVG(t, s)
	root := p.elems[0]
	if root.attrs["role"] != "img" || root.attrs["viewBox"] == "" || root.attrs["xmlns"] != "http://www.w3.org/2000/svg" {
		t.Errorf("root <svg> attributes = %v", root.attrs)
	}
	if len(p.elems) < 3 || p.elems[1].name != "title" || p.elems[2].name != "desc" || p.elems[2].text == "" {
		t.Errorf("want <title> and non-empty <desc> as first children")
	}
	for _, e := range p.elems {
		if fs, ok := e.attrs["font-size"]; ok {
			if n, err := strconv.ParseFloat(fs, 64); err != nil || n < 11 {
				t.Errorf("<%s> has font-size %q, want at least 11", e.name, fs)
			}
		}
	}
	// Everything placed by coordinates must be inside the viewBox, or a
	// squeezed layout has pushed something off the chart.
	var vw, vh float64
	if _, err := fmt.Sscanf(root.attrs["viewBox"], "0 0 %g %g", &vw, &vh); err != nil {
		t.Fatalf("viewBox %q: %v", root.attrs["viewBox"], err)
	}
	for _, e := range p.elems {
		for _, k := range []string{"x", "x1", "x2", "cx", "y", "y1", "y2", "cy"} {
			v, ok := e.attrs[k]
			if !ok {
				continue
			}
			n, err := strconv.ParseFloat(v, 64)
			limit := vw
			if strings.HasPrefix(k, "y") || k == "cy" {
				limit = vh
			}
			if err != nil || n < -1 || n > limit+1 {
				t.Errorf("<%s %s=%q> (text %q) is outside the %gx%g viewBox", e.name, k, v, e.text, vw, vh)
			}
		}
	}
	for _, bad := range []string{"NaN", "Inf"} {
		if strings.Contains(s, bad) {
			t.Errorf("output contains %q", bad)
		}
	}
	if strings.Contains(s, "<script") || strings.Contains(s, "href") || strings.Contains(s, "id=") {
		t.Errorf("output has scripts, links or ids; charts must be self-contained and not clash when combined")
	}
	return p
}

// Sample charts, used by the tests and the preview page.

// spread returns n deterministic values roughly normal around 0 with the
// given scale; no randomness so the test output is stable.
func spread(n int, sd float64) []float64 {
	out := make([]float64, n)
	for i := range out {
		x := float64(i + 1)
		v := math.Sin(x*12.9898)*0.5 + math.Sin(x*78.233)*0.3 + math.Sin(x*3.7)*0.2
		out[i] = math.Round(v*sd*2*100) / 100
	}
	return out
}

func sampleDotPlot() *DotPlot {
	c := &DotPlot{Title: "Progress 8, all local authorities, 2023/24", Unit: "Progress 8 score", HigherIsBetter: true}
	for i, v := range spread(150, 0.3) {
		p := Point{Label: fmt.Sprintf("LA %03d", i+1), Value: new(v)}
		if i%15 == 3 {
			p.Group = "Statistical neighbours"
		}
		c.Points = append(c.Points, p)
	}
	c.Points = append(c.Points,
		Point{Label: "Ourshire", Value: new(0.12), Highlight: true},
		Point{Label: "LA 151", Value: nil},
		Point{Label: "LA 152", Value: nil},
	)
	return c
}

func sampleLineChart() *LineChart {
	years := []string{"2016/17", "2017/18", "2018/19", "2019/20", "2020/21", "2021/22", "2022/23", "2023/24"}
	dis := []float64{43.1, 44.6, 45.2, 0, 0, 42.3, 43.8, 44.9}
	oth := []float64{67.2, 68.9, 69.5, 0, 0, 69.1, 70.2, 70.4}
	c := &LineChart{Title: "Pupils meeting the expected standard at KS2", Unit: "% pupils", XLabel: "Academic year"}
	var a, b, g Series
	a.Name, b.Name, g.Name = "Disadvantaged", "Other pupils", "Gap ("+trickyLabel+")"
	for i, y := range years {
		if i == 3 || i == 4 { // no assessments in these years
			a.Points = append(a.Points, XY{X: y, Suppressed: true})
			b.Points = append(b.Points, XY{X: y, Suppressed: true})
			g.Points = append(g.Points, XY{X: y})
			continue
		}
		a.Points = append(a.Points, XY{X: y, Y: new(dis[i])})
		b.Points = append(b.Points, XY{X: y, Y: new(oth[i])})
		g.Points = append(g.Points, XY{X: y, Y: new(math.Round((oth[i]-dis[i])*10) / 10)})
	}
	c.Series = []Series{a, b, g}
	return c
}

func sampleForestPlot() *ForestPlot {
	return &ForestPlot{
		Title:    "Effect of the reading programme (difference-in-differences)",
		Unit:     "Change in KS2 reading scaled score",
		Interval: "95% confidence interval",
		Rows: []ForestRow{
			{Label: "Hillside Primary", Estimate: 1.8, Lower: 0.4, Upper: 3.2},
			{Label: trickyLabel, Estimate: 0.6, Lower: -1.1, Upper: 2.3},
			{Label: "Oakfield Junior", Estimate: -0.4, Lower: -2.5, Upper: 1.7},
			{Label: "Riverside Academy", Suppressed: true},
			{Label: "Ysgol Bro Dinefwr", Estimate: 2.4, Lower: 1.1, Upper: 3.7},
			{Label: "All schools (pooled)", Estimate: 1.2, Lower: 0.5, Upper: 1.9, Pooled: true},
		},
	}
}

func sampleBarChart() *BarChart {
	return &BarChart{
		Title:  "Attainment gap between disadvantaged and other pupils",
		Unit:   "Gap in % points (negative: disadvantaged pupils ahead)",
		Series: []string{"KS2", "KS4"},
		Groups: []BarGroup{
			{Label: "Ourshire", Bars: []Bar{{Value: new(21.4)}, {Value: new(26.9)}}},
			{Label: "Statistical neighbours", Bars: []Bar{{Value: new(19.8)}, {Suppressed: true}}},
			{Label: trickyLabel, Bars: []Bar{{Value: new(-3.5)}, {Value: nil}}},
			{Label: "England", Bars: []Bar{{Value: new(22.0)}}},
		},
	}
}

// TestPreview writes one of each chart into an HTML page at the path in
// EDWH_CHART_PREVIEW, for a person to look at:
//
//	EDWH_CHART_PREVIEW=/tmp/preview.html go test -run TestPreview ./pipeline/report/chart/
func TestPreview(t *testing.T) {
	path := os.Getenv("EDWH_CHART_PREVIEW")
	if path == "" {
		t.Skip("set EDWH_CHART_PREVIEW to a file path to write a preview page")
	}
	charts := []renderer{
		sampleDotPlot(), sampleLineChart(), sampleForestPlot(), sampleBarChart(),
		&DotPlot{Title: "All equal", Unit: "% pupils", Points: []Point{{Label: "A", Value: new(45.0)}, {Label: "B", Value: new(45.0), Highlight: true}}},
		&LineChart{Title: "All suppressed", Unit: "% pupils", Series: []Series{{Name: "Only", Points: []XY{{X: "2022/23"}, {X: "2023/24"}}}}},
		&BarChart{Title: "Empty", Unit: "Rows"},
		func() *DotPlot {
			c := sampleDotPlot()
			c.Title, c.Width = "Narrow, many highlighted", 400
			for i := range c.Points[:6] {
				c.Points[i].Highlight = true
			}
			return c
		}(),
		&ForestPlot{Title: "Zero-width intervals", Unit: "Effect", Rows: []ForestRow{{Label: "A"}, {Label: "Pooled", Pooled: true}}},
	}
	var b strings.Builder
	b.WriteString("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>edwh chart preview</title></head>\n" +
		"<body style=\"font-family:sans-serif;max-width:760px;margin:1em auto\">\n<h1>edwh chart preview</h1>\n")
	for _, c := range charts {
		s, err := c.SVG()
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "<figure style=\"margin:0 0 2em\">%s</figure>\n", s)
	}
	b.WriteString("<p>" + html.EscapeString("End of preview.") + "</p></body></html>\n")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s", path)
}

func TestChartsWellFormed(t *testing.T) {
	tests := []struct {
		name  string
		chart renderer
	}{
		{"dot plot", sampleDotPlot()},
		{"dot plot empty", &DotPlot{Title: "Empty"}},
		{"dot plot all suppressed", &DotPlot{Title: "S", Points: []Point{{Label: "A"}, {Label: "B", Highlight: true}}}},
		{"dot plot all equal", &DotPlot{Title: "E", Points: []Point{{Label: "A", Value: new(3.0)}, {Label: "B", Value: new(3.0), Highlight: true}}}},
		{"dot plot one point", &DotPlot{Title: "One", Points: []Point{{Label: "A", Value: new(-0.2), Highlight: true}}}},
		{"dot plot fixed small size", func() *DotPlot { c := sampleDotPlot(); c.Width, c.Height = 330, 200; return c }()},
		{"dot plot many highlights", func() *DotPlot {
			c := sampleDotPlot()
			for i := range c.Points[:8] {
				c.Points[i].Highlight = true
			}
			return c
		}()},
		{"line chart", sampleLineChart()},
		{"line chart empty", &LineChart{Title: "Empty", Series: []Series{{Name: "A"}}}},
		{"line chart all suppressed", &LineChart{Title: "S", Series: []Series{{Name: "A", Points: []XY{{X: "1"}, {X: "2", Suppressed: true}}}}}},
		{"line chart all equal", &LineChart{Title: "E", Series: []Series{{Name: "A", Points: []XY{{X: "1", Y: new(0.0)}, {X: "2", Y: new(0.0)}}}}}},
		{"line chart one point", &LineChart{Title: "One", Series: []Series{{Name: "A", Points: []XY{{X: "2023/24", Y: new(7.0)}}}}}},
		{"forest plot", sampleForestPlot()},
		{"forest plot empty", &ForestPlot{Title: "Empty"}},
		{"forest plot all suppressed", &ForestPlot{Title: "S", Rows: []ForestRow{{Label: "A", Suppressed: true}}}},
		{"forest plot zero width intervals", &ForestPlot{Title: "Z", Rows: []ForestRow{{Label: "A"}, {Label: "P", Pooled: true}}}},
		{"forest plot fixed height", func() *ForestPlot { c := sampleForestPlot(); c.Height = 170; return c }()},
		{"bar chart", sampleBarChart()},
		{"bar chart empty", &BarChart{Title: "Empty"}},
		{"bar chart all suppressed", &BarChart{Title: "S", Groups: []BarGroup{{Label: "A", Bars: []Bar{{}}}}}},
		{"bar chart all negative", &BarChart{Title: "N", Groups: []BarGroup{{Label: "A", Bars: []Bar{{Value: new(-4.0)}}}, {Label: "B", Bars: []Bar{{}}}}}},
		{"bar chart all zero", &BarChart{Title: "Z", Groups: []BarGroup{{Label: "A", Bars: []Bar{{Value: new(0.0)}}}}}},
		{"bar chart fixed small height", func() *BarChart { c := sampleBarChart(); c.Height = 120; return c }()},
		{"bar chart fixed large height", func() *BarChart { c := sampleBarChart(); c.Height = 900; return c }()},
		{"forest plot fixed tiny height", func() *ForestPlot { c := sampleForestPlot(); c.Height = 1; return c }()},
		{"line chart fixed tiny height", func() *LineChart { c := sampleLineChart(); c.Height = 1; return c }()},
		{"line chart narrow", func() *LineChart { c := sampleLineChart(); c.Width = 1; return c }()},
		{"dot plot many suppressed highlights, narrow", func() *DotPlot {
			c := sampleDotPlot()
			c.Width = 320
			for i := range c.Points[:12] {
				c.Points[i].Highlight, c.Points[i].Value = true, nil
			}
			return c
		}()},
		{"dot plot fixed tiny height", func() *DotPlot { c := sampleDotPlot(); c.Height = 1; return c }()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := tt.chart.SVG()
			if err != nil {
				t.Fatal(err)
			}
			checkBasics(t, s)
		})
	}
}

func TestEmptyChartsSayNoData(t *testing.T) {
	tests := []struct {
		name  string
		chart renderer
		want  string
	}{
		{"dot plot", &DotPlot{Title: "Empty"}, "no data"},
		{"dot plot all suppressed", &DotPlot{Title: "S", Points: []Point{{Label: "A"}}}, "suppressed"},
		{"line chart", &LineChart{Title: "Empty"}, "no data"},
		{"line chart all suppressed", &LineChart{Title: "S", Series: []Series{{Name: "A", Points: []XY{{X: "1"}}}}}, "all values suppressed"},
		{"forest plot", &ForestPlot{Title: "Empty"}, "no data"},
		{"bar chart", &BarChart{Title: "Empty"}, "no data"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := tt.chart.SVG()
			if err != nil {
				t.Fatal(err)
			}
			if p := checkBasics(t, s); !hasText(p.texts(), tt.want) {
				t.Errorf("texts %q do not say %q", p.texts(), tt.want)
			}
		})
	}
}

func TestDotPlotHighlight(t *testing.T) {
	tests := []struct {
		name     string
		chart    *DotPlot
		want     []string // visible texts
		wantDesc string
	}{
		{
			name:     "ours labelled with value and rank",
			chart:    sampleDotPlot(),
			want:     []string{"Ourshire: 0.12 (rank", "Statistical neighbours", "Others", "better →", "Progress 8 score", "Suppressed, not plotted: 2 points."},
			wantDesc: "Highlighted: Ourshire, 0.12, rank",
		},
		{
			name: "lower is better ranks from the bottom",
			chart: &DotPlot{Title: "Absence", Unit: "% sessions missed", Points: []Point{
				{Label: "A", Value: new(4.0)}, {Label: "B", Value: new(6.0)}, {Label: "Ours", Value: new(5.0), Highlight: true}, {Label: "C", Value: new(7.0)},
			}},
			want:     []string{"Ours: 5 (rank 2 of 4)", "← better", "worse →"},
			wantDesc: "Lower is better.",
		},
		{
			name: "ties are joint",
			chart: &DotPlot{Title: "T", HigherIsBetter: true, Points: []Point{
				{Label: "A", Value: new(1.0)}, {Label: "Ours", Value: new(1.0), Highlight: true}, {Label: "C", Value: new(0.0)},
			}},
			want: []string{"Ours: 1 (joint rank 1 of 3)"},
		},
		{
			name:  "escaped highlight label",
			chart: &DotPlot{Title: "E", Points: []Point{{Label: trickyLabel, Value: new(1.5), Highlight: true}, {Label: "B", Value: new(2.0)}}},
			want:  []string{trickyLabel + ": 1.5"},
		},
		{
			name: "custom format",
			chart: &DotPlot{Title: "F", Format: func(v float64) string { return strconv.FormatFloat(v, 'f', 2, 64) },
				Points: []Point{{Label: "Ours", Value: new(0.1), Highlight: true}, {Label: "B", Value: new(0.2)}}},
			want: []string{"Ours: 0.10"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := tt.chart.SVG()
			if err != nil {
				t.Fatal(err)
			}
			p := checkBasics(t, s)
			for _, w := range tt.want {
				if !hasText(p.texts(), w) {
					t.Errorf("no text contains %q; texts: %q", w, p.texts())
				}
			}
			if !strings.Contains(p.desc(), tt.wantDesc) {
				t.Errorf("desc %q does not contain %q", p.desc(), tt.wantDesc)
			}
			if n := len(p.withClass("highlight")); n != 1 {
				t.Errorf("got %d highlight markers, want 1", n)
			}
		})
	}
}

func TestSuppressedNeverZero(t *testing.T) {
	t.Run("dot plot highlighted suppressed", func(t *testing.T) {
		c := &DotPlot{Title: "S", Points: []Point{{Label: "Ours", Highlight: true}, {Label: "B", Value: new(2.0)}, {Label: "C", Value: new(3.0)}}}
		s, err := c.SVG()
		if err != nil {
			t.Fatal(err)
		}
		p := checkBasics(t, s)
		if !hasText(p.texts(), "Suppressed, not plotted: Ours (highlighted).") {
			t.Errorf("suppressed highlight not named; texts %q", p.texts())
		}
		if len(p.withClass("highlight")) != 0 {
			t.Errorf("a suppressed point was plotted")
		}
		if strings.Contains(p.desc(), "Ours, 0") {
			t.Errorf("desc gives the suppressed point a value: %q", p.desc())
		}
	})
	t.Run("line chart", func(t *testing.T) {
		c := &LineChart{Title: "S", Unit: "%", Series: []Series{{Name: "A", Points: []XY{
			{X: "1", Y: new(10.0)}, {X: "2", Y: new(12.0)}, {X: "3"}, {X: "4", Y: new(99.0), Suppressed: true}, {X: "5", Y: new(14.0)},
		}}}}
		s, err := c.SVG()
		if err != nil {
			t.Fatal(err)
		}
		p := checkBasics(t, s)
		if n := count(p.texts(), "supp."); n != 2 {
			t.Errorf("got %d supp. labels, want 2", n)
		}
		if n := len(p.withClass("suppressed")); n != 2 {
			t.Errorf("got %d open markers, want 2", n)
		}
		for _, e := range p.withClass("suppressed") {
			if e.attrs["fill"] != paper {
				t.Errorf("suppressed marker fill %q, want open (%s)", e.attrs["fill"], paper)
			}
		}
		// The line must break at the suppressed points: two subpaths.
		for _, e := range p.elems {
			if e.name == "path" && e.attrs["fill"] == "none" && e.attrs["stroke-width"] == "2" {
				if n := strings.Count(e.attrs["d"], "M"); n != 2 {
					t.Errorf("line has %d subpaths, want 2: %s", n, e.attrs["d"])
				}
			}
		}
		if !strings.Contains(p.desc(), "3 suppressed, 4 suppressed") {
			t.Errorf("desc %q should say the points are suppressed", p.desc())
		}
		if hasText(p.texts(), "99") {
			t.Errorf("a value flagged suppressed was shown")
		}
	})
	t.Run("line chart sample labels every suppressed point", func(t *testing.T) {
		s, err := sampleLineChart().SVG()
		if err != nil {
			t.Fatal(err)
		}
		p := checkBasics(t, s)
		if n := count(p.texts(), "supp."); n != 6 {
			t.Errorf("got %d supp. labels, want 6 (3 series x 2 years)", n)
		}
	})
	t.Run("forest plot", func(t *testing.T) {
		c := &ForestPlot{Title: "S", Rows: []ForestRow{{Label: "A", Estimate: 1, Lower: 0.5, Upper: 2}, {Label: "B", Suppressed: true}}}
		s, err := c.SVG()
		if err != nil {
			t.Fatal(err)
		}
		p := checkBasics(t, s)
		if count(p.texts(), "suppressed") != 1 || len(p.withClass("suppressed")) != 1 {
			t.Errorf("suppressed row not shown as suppressed; texts %q", p.texts())
		}
		if n := len(p.withClass("ci-excludes-zero")) + len(p.withClass("ci-includes-zero")); n != 1 {
			t.Errorf("got %d estimate marks, want 1 (the suppressed row has none)", n)
		}
		if hasText(p.texts(), "0 (0 to 0)") {
			t.Errorf("suppressed row printed as zero")
		}
	})
	t.Run("bar chart", func(t *testing.T) {
		c := &BarChart{Title: "S", Groups: []BarGroup{
			{Label: "A", Bars: []Bar{{Value: new(12.0)}}},
			{Label: "B", Bars: []Bar{{Value: nil}}},
			{Label: "C", Bars: []Bar{{Value: new(0.0), Suppressed: true}}},
		}}
		s, err := c.SVG()
		if err != nil {
			t.Fatal(err)
		}
		p := checkBasics(t, s)
		if n := count(p.texts(), "suppressed"); n != 2 {
			t.Errorf("got %d suppressed labels, want 2; texts %q", n, p.texts())
		}
		if n := len(p.withClass("suppressed")); n != 2 {
			t.Errorf("got %d hatched placeholders, want 2", n)
		}
		// "0" may appear once, as the axis tick; never as a bar's value.
		if n := count(p.texts(), "0"); n != 1 {
			t.Errorf("%q appears %d times, want once (the tick); texts %q", "0", n, p.texts())
		}
		if !strings.Contains(p.desc(), "B: suppressed.") || !strings.Contains(p.desc(), "C: suppressed.") {
			t.Errorf("desc %q should call B and C suppressed", p.desc())
		}
	})
}

func TestEscaping(t *testing.T) {
	tests := []struct {
		name  string
		chart renderer
	}{
		{"dot plot", &DotPlot{Title: trickyLabel, Unit: trickyLabel, Points: []Point{{Label: trickyLabel, Value: new(1.0), Highlight: true}, {Label: "x", Value: new(2.0), Group: trickyLabel}}}},
		{"line chart", &LineChart{Title: trickyLabel, Unit: trickyLabel, XLabel: trickyLabel, Series: []Series{{Name: trickyLabel, Points: []XY{{X: trickyLabel, Y: new(1.0)}}}}}},
		{"forest plot", &ForestPlot{Title: trickyLabel, Unit: trickyLabel, Interval: trickyLabel, Rows: []ForestRow{{Label: trickyLabel, Estimate: 1, Lower: 0, Upper: 2}}}},
		{"bar chart", &BarChart{Title: trickyLabel, Unit: trickyLabel, Series: []string{trickyLabel, "b"}, Groups: []BarGroup{{Label: trickyLabel, Bars: []Bar{{Value: new(1.0)}}}}}},
		{"empty chart", &BarChart{Title: trickyLabel}},
		{"control characters", &DotPlot{Title: "a\x00b", Points: []Point{{Label: "bad\x01\xffname", Value: new(1.0), Highlight: true}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := tt.chart.SVG()
			if err != nil {
				t.Fatal(err)
			}
			p := checkBasics(t, s)
			if strings.Contains(s, "<Primary>") || strings.Contains(s, "& Co") {
				t.Errorf("label not escaped:\n%s", s)
			}
			if tt.name == "control characters" {
				return
			}
			if !hasText(p.texts(), trickyLabel) {
				t.Errorf("label %q not shown after decoding; texts %q", trickyLabel, p.texts())
			}
			if p.elems[1].text != trickyLabel || !strings.Contains(p.desc(), trickyLabel) {
				t.Errorf("title %q / desc %q should carry the label", p.elems[1].text, p.desc())
			}
		})
	}
}

func TestForestPlotMarksZeroCrossing(t *testing.T) {
	tests := []struct {
		name     string
		row      ForestRow
		crossing bool
	}{
		{"positive", ForestRow{Label: "A", Estimate: 1, Lower: 0.2, Upper: 1.8}, false},
		{"negative", ForestRow{Label: "B", Estimate: -1, Lower: -1.8, Upper: -0.2}, false},
		{"crosses", ForestRow{Label: "C", Estimate: 0.3, Lower: -0.5, Upper: 1.1}, true},
		{"touches zero", ForestRow{Label: "D", Estimate: 0.5, Lower: 0, Upper: 1}, true},
		{"pooled positive", ForestRow{Label: "P", Estimate: 1, Lower: 0.5, Upper: 1.5, Pooled: true}, false},
		{"pooled crosses", ForestRow{Label: "P", Estimate: 0.1, Lower: -0.4, Upper: 0.6, Pooled: true}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &ForestPlot{Title: "F", Unit: "Effect", Rows: []ForestRow{tt.row}}
			s, err := c.SVG()
			if err != nil {
				t.Fatal(err)
			}
			p := checkBasics(t, s)
			inc, exc := p.withClass("ci-includes-zero"), p.withClass("ci-excludes-zero")
			mark, wantFill := exc, ink
			if tt.crossing {
				mark, wantFill = inc, paper
			}
			if len(inc)+len(exc) != 1 || len(mark) != 1 {
				t.Fatalf("includes=%d excludes=%d, want the %v mark only", len(inc), len(exc), tt.crossing)
			}
			// The difference must be in the drawing (hollow vs filled),
			// not just the class name, to survive grey scale.
			if mark[0].attrs["fill"] != wantFill {
				t.Errorf("fill = %q, want %q", mark[0].attrs["fill"], wantFill)
			}
			if tt.row.Pooled && (mark[0].name != "path" || len(p.withClass("pooled")) != 1) {
				t.Errorf("pooled row not drawn as a diamond path")
			}
			for _, w := range []string{"interval includes zero (no clear effect)", "interval excludes zero", "pooled estimate", "Effect"} {
				if !hasText(p.texts(), w) {
					t.Errorf("legend/axis text %q missing", w)
				}
			}
			if len(p.withClass("reference")) != 1 {
				t.Errorf("no reference line at zero")
			}
		})
	}
}

func TestDeterministic(t *testing.T) {
	tests := []struct {
		name string
		make func() renderer
	}{
		{"dot plot", func() renderer { return sampleDotPlot() }},
		{"line chart", func() renderer { return sampleLineChart() }},
		{"forest plot", func() renderer { return sampleForestPlot() }},
		{"bar chart", func() renderer { return sampleBarChart() }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := tt.make().SVG()
			if err != nil {
				t.Fatal(err)
			}
			for range 3 {
				b, err := tt.make().SVG()
				if err != nil {
					t.Fatal(err)
				}
				if a != b {
					t.Fatal("same input gave different output")
				}
			}
		})
	}
}

func TestErrors(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	tests := []struct {
		name  string
		chart renderer
		want  string
	}{
		{"dot plot NaN", &DotPlot{Title: "T", Points: []Point{{Label: "A", Value: &nan}}}, "NaN"},
		{"dot plot Inf", &DotPlot{Title: "T", Points: []Point{{Label: "A", Value: &inf}}}, "infinite"},
		{"line chart NaN", &LineChart{Title: "T", Series: []Series{{Name: "S", Points: []XY{{X: "1", Y: &nan}}}}}, "NaN"},
		{"line chart duplicate X", &LineChart{Title: "T", Series: []Series{{Name: "S", Points: []XY{{X: "1", Y: new(1.0)}, {X: "1", Y: new(2.0)}}}}}, "twice"},
		{"forest plot NaN estimate", &ForestPlot{Title: "T", Rows: []ForestRow{{Label: "A", Estimate: nan, Lower: 0, Upper: 1}}}, "NaN"},
		{"forest plot Inf bound", &ForestPlot{Title: "T", Rows: []ForestRow{{Label: "A", Estimate: 0, Lower: -inf, Upper: 1}}}, "infinite"},
		{"forest plot estimate outside interval", &ForestPlot{Title: "T", Rows: []ForestRow{{Label: "A", Estimate: 2, Lower: 0, Upper: 1}}}, "not within"},
		{"bar chart NaN", &BarChart{Title: "T", Groups: []BarGroup{{Label: "A", Bars: []Bar{{Value: &nan}}}}}, "NaN"},
		{"bar chart too many bars", &BarChart{Title: "T", Series: []string{"a"}, Groups: []BarGroup{{Label: "A", Bars: []Bar{{}, {}}}}}, "2 bars for 1 series"},
		{"negative width", &DotPlot{Title: "T", Width: -1}, "negative width"},
		{"negative height", &BarChart{Title: "T", Height: -1}, "negative height"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := tt.chart.SVG()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want one mentioning %q", err, tt.want)
			}
			if s != "" {
				t.Errorf("got output with an error")
			}
		})
	}
	// A NaN flagged as suppressed is never drawn, so it is not an error.
	if _, err := (&LineChart{Title: "T", Series: []Series{{Name: "S", Points: []XY{{X: "1", Y: &nan, Suppressed: true}}}}}).SVG(); err != nil {
		t.Errorf("suppressed NaN: %v", err)
	}
}
