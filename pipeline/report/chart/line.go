package chart

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// XY is one point of a line chart series.
type XY struct {
	// X is the category on the horizontal axis, e.g. "2016/17".
	X string
	// Y is the value; nil means suppressed.
	Y *float64
	// Suppressed marks the value as suppressed even if Y is set, for
	// sources that keep a placeholder number next to a suppression flag.
	Suppressed bool
}

// suppressed reports whether the point has no value to draw.
func (p XY) suppressed() bool { return p.Suppressed || p.Y == nil }

// Series is one line of a LineChart.
type Series struct {
	// Name labels the line in the legend and at its right-hand end.
	Name string
	// Points are drawn in order and joined by straight lines, except
	// that the line is broken at suppressed points. A year with no data
	// at all should be left out (the line then joins across it) or given
	// as suppressed (the line breaks), as the data warrants.
	Points []XY
}

// LineChart shows trends over time for a few series, for example the
// attainment of disadvantaged and other pupils by year. Each series has
// its own dash pattern and marker shape, a legend entry and a direct
// label at the end of its line. Suppressed points are drawn as open
// markers labelled "supp." in a band under the X axis, and the line is
// broken there.
type LineChart struct {
	// Title is shown above the chart and used as its accessible name.
	Title string
	// Unit labels the vertical axis and should say what is measured and
	// in what unit, e.g. "% pupils meeting expected standard".
	Unit string
	// XLabel optionally labels the horizontal axis, e.g. "Academic year".
	XLabel string
	// Series are the lines, drawn in order.
	Series []Series
	// Format formats values in the description. Nil means the fewest
	// decimals (at most two) that show every value, the same for all.
	Format func(float64) string
	// Width and Height are the size in px; zero means 720 wide and tall
	// enough for a plot area of 240 px. A Width under 360, or a Height
	// that leaves a plot area under 60 px, is raised.
	Width, Height int
}

// SVG returns the chart as a standalone <svg> element. It returns an error
// if a value is NaN or infinite, a series repeats an X value, or the size
// is negative.
func (c *LineChart) SVG() (string, error) {
	w, ok := size(c.Width, 720, 360)
	if !ok {
		return "", fmt.Errorf("chart: LineChart %q: negative width", c.Title)
	}
	hFixed, ok := size(c.Height, 0, 220)
	if !ok {
		return "", fmt.Errorf("chart: LineChart %q: negative height", c.Title)
	}

	var ext extent
	var vals []float64
	npoints := 0
	for si, s := range c.Series {
		seen := map[string]bool{}
		for _, p := range s.Points {
			if seen[p.X] {
				return "", fmt.Errorf("chart: LineChart %q series %q: X %q appears twice", c.Title, s.Name, p.X)
			}
			seen[p.X] = true
			npoints++
			if p.suppressed() {
				continue
			}
			if err := finite(*p.Y, fmt.Sprintf("LineChart %q series %d (%q) at %q", c.Title, si, s.Name, p.X)); err != nil {
				return "", err
			}
			ext.add(*p.Y)
			vals = append(vals, *p.Y)
		}
	}
	format := formatter(c.Format, vals)
	if npoints == 0 {
		return emptyChart(w, orDefault(hFixed, 160), c.Title, "no data"), nil
	}
	xcats := categories(c.Series)
	xi := map[string]int{}
	for i, x := range xcats {
		xi[x] = i
	}

	// Which band row each suppressed point goes in: stacked per X so
	// that several series suppressed in the same year do not overlap.
	suppRow := make([][]int, len(c.Series))
	perX := make([]int, len(xcats))
	bandRows := 0
	for si, s := range c.Series {
		suppRow[si] = make([]int, len(s.Points))
		for pi, p := range s.Points {
			if p.suppressed() {
				k := xi[p.X]
				suppRow[si][pi] = perX[k]
				perX[k]++
				bandRows = max(bandRows, perX[k])
			}
		}
	}

	// Legend rows, wrapped to the width.
	type legendItem struct {
		x, y float64
		name string
	}
	var legend []legendItem
	lx, ly := 12.0, 46.0
	for _, s := range c.Series {
		name := fit(s.Name, fontSize, 220)
		iw := 40 + textWidth(name, fontSize) + 18
		if lx > 12 && lx+iw > w-12 {
			lx, ly = 12, ly+18
		}
		legend = append(legend, legendItem{lx, ly, name})
		lx += iw
	}

	// Horizontal layout: rotated axis label, tick labels, plot, direct
	// labels on the right.
	var tk ticks
	plotTop := ly + 20
	// Below the plot, as offsets from its bottom edge: X tick labels, the
	// band of suppressed markers, the X axis label, the suppression note.
	const bandTop = 34.0
	next := 18.0
	if bandRows > 0 {
		next = bandTop + float64(bandRows-1)*16
	}
	xLabelY := next + 22
	if c.XLabel != "" {
		next = xLabelY
	}
	noteY := next + 20
	var note []string
	if bandRows > 0 {
		note = wrap("Open markers (supp.): value suppressed, not plotted; the line breaks there.", smallFont, w-24)
		next = noteY + float64(len(note)-1)*(smallFont+3)
	}
	bottom := next + 10
	plotH := 240.0
	h := hFixed
	if h == 0 {
		h = plotTop + plotH + bottom
	} else {
		plotH = max(h-plotTop-bottom, 60)
		h = plotTop + plotH + bottom // grows if Height is too small
	}
	plotBottom := plotTop + plotH
	if ext.n > 0 {
		tk = niceTicks(ext.lo, ext.hi, tickCount(plotH, 45))
	} else {
		tk = ticks{vals: []float64{0, 1}}
	}
	tickW := 0.0
	if ext.n > 0 {
		for _, t := range tk.vals {
			tickW = max(tickW, textWidth(tk.label(t), fontSize))
		}
	}
	left := 24 + 8 + tickW + 8
	nameW := 0.0
	for _, s := range c.Series {
		nameW = max(nameW, textWidth(s.Name, fontSize))
	}
	nameW = min(nameW, w*0.28)
	right := w - 12 - nameW - 22
	ys := scale{tk.first(), tk.last(), plotBottom, plotTop}

	n := len(xcats)
	pad := min(24, (right-left)/float64(2*n))
	xpos := func(k int) float64 {
		if n == 1 {
			return (left + right) / 2
		}
		return left + pad + float64(k)*(right-left-2*pad)/float64(n-1)
	}

	d := newDoc(w, h, c.Title, c.describe(xcats, format))
	d.titleText(c.Title, w)

	for i, s := range c.Series {
		st := styleFor(i)
		it := legend[i]
		d.line(it.x, it.y-4, it.x+34, it.y-4, "stroke", st.color, "stroke-width", "2", "stroke-dasharray", orNone(st.dash))
		d.marker(st.shape, it.x+17, it.y-4, 4, st.color, st.color)
		d.label(it.x+40, it.y, s.Name, it.name, "fill", ink)
	}

	// Grid, axes and tick labels.
	if ext.n > 0 {
		for _, t := range tk.vals {
			y := ys.at(t)
			col := gridColor
			if t == 0 {
				col = "#8c8c8c"
			}
			d.line(left, y, right, y, "stroke", col)
			d.text(left-8, y+4, tk.label(t), "text-anchor", "end", "fill", ink)
		}
	} else {
		d.text((left+right)/2, (plotTop+plotBottom)/2, "all values suppressed", "text-anchor", "middle", "fill", inkMuted)
	}
	d.line(left, plotTop, left, plotBottom, "stroke", ink)
	d.line(left, plotBottom, right, plotBottom, "stroke", ink)
	if c.Unit != "" {
		cy := (plotTop + plotBottom) / 2
		d.label(18, cy, c.Unit, fit(c.Unit, fontSize, plotH+40), "text-anchor", "middle", "fill", ink,
			"font-weight", "bold", "transform", "rotate(-90 18 "+num(cy)+")")
	}
	// Thin out X labels that would collide.
	labW := 0.0
	for _, x := range xcats {
		labW = max(labW, textWidth(x, fontSize))
	}
	every := 1
	gap := right - left
	if n > 1 {
		gap = (right - left - 2*pad) / float64(n-1)
		for float64(every)*gap < labW+8 && every < n {
			every++
		}
	}
	for k, x := range xcats {
		px := xpos(k)
		d.line(px, plotBottom, px, plotBottom+5, "stroke", ink)
		// Count from the end so the latest year, the one readers look
		// for first, is always labelled.
		if (n-1-k)%every == 0 {
			d.text(px, plotBottom+18, x, "text-anchor", "middle", "fill", ink)
		}
	}
	if c.XLabel != "" {
		d.label((left+right)/2, plotBottom+xLabelY, c.XLabel, fit(c.XLabel, fontSize, w-24), "text-anchor", "middle", "fill", ink, "font-weight", "bold")
	}

	d.note(12, plotBottom+noteY, note)

	suppLabels := gap >= textWidth("supp.", smallFont)+18

	// Lines, broken at suppressed points, then markers on top.
	type end struct {
		i         int
		x, y, ly  float64
		shownName string
	}
	var ends []end
	for i, s := range c.Series {
		st := styleFor(i)
		var path strings.Builder
		prev := false
		for _, p := range s.Points {
			if p.suppressed() {
				prev = false
				continue
			}
			cmd := "L"
			if !prev {
				cmd = "M"
			}
			path.WriteString(cmd + num(xpos(xi[p.X])) + " " + num(ys.at(*p.Y)))
			prev = true
		}
		if path.Len() > 0 {
			d.el("path", "d", path.String(), "fill", "none", "stroke", st.color, "stroke-width", "2",
				"stroke-dasharray", orNone(st.dash), "stroke-linejoin", "round")
		}
		last := -1
		for pi, p := range s.Points {
			px := xpos(xi[p.X])
			if p.suppressed() {
				by := plotBottom + bandTop + float64(suppRow[i][pi])*16
				d.marker(st.shape, px-14, by-4, 4, paper, st.color, "class", "suppressed")
				// On a crowded axis the labels of neighbouring years would
				// overlap; the markers alone remain, explained by the note.
				if suppLabels {
					d.text(px-7, by, "supp.", "font-size", strconv.Itoa(smallFont), "fill", ink)
				}
				continue
			}
			d.marker(st.shape, px, ys.at(*p.Y), 4, st.color, st.color)
			last = pi
		}
		if last >= 0 {
			p := s.Points[last]
			y := ys.at(*p.Y)
			ends = append(ends, end{i: i, x: xpos(xi[p.X]), y: y, ly: y, shownName: fit(s.Name, fontSize, nameW)})
		}
	}

	// Direct labels at the line ends, nudged apart so they do not overlap.
	sort.SliceStable(ends, func(a, b int) bool { return ends[a].y < ends[b].y })
	for k := 1; k < len(ends); k++ {
		ends[k].ly = max(ends[k].ly, ends[k-1].ly+15)
	}
	if k := len(ends) - 1; k >= 0 && ends[k].ly > plotBottom {
		shift := ends[k].ly - plotBottom
		for j := range ends {
			ends[j].ly -= shift
		}
	}
	for _, e := range ends {
		st := styleFor(e.i)
		lx := right + 10
		if e.ly != e.y || e.x < right-pad-1 {
			d.line(e.x+6, e.y, lx, e.ly, "stroke", st.color, "stroke-width", "0.75")
		}
		d.marker(st.shape, lx+6, e.ly, 3.5, st.color, st.color)
		d.label(lx+14, e.ly+4, c.Series[e.i].Name, e.shownName, "fill", st.color, "font-weight", "bold")
	}
	return d.finish(), nil
}

// categories returns the X values of all series in display order. Each
// X value is placed after the X value that precedes it in the first
// series that has it, so a series that lacks a year in the middle, or a
// series that starts later, still lines up with the others.
func categories(series []Series) []string {
	var out []string
	for _, s := range series {
		prev := -1 // position in out of the previous X of this series
		for _, p := range s.Points {
			if k := indexOf(out, p.X); k >= 0 {
				prev = k
				continue
			}
			out = append(out, "")
			copy(out[prev+2:], out[prev+1:])
			out[prev+1] = p.X
			prev++
		}
	}
	return out
}

// describe lists the data in words: every value when a series is short,
// otherwise the first and last values and the suppressed years.
func (c *LineChart) describe(xcats []string, format func(float64) string) string {
	var b strings.Builder
	unit := c.Unit
	if unit == "" {
		unit = "values"
	}
	fmt.Fprintf(&b, "Line chart of %s from %s to %s, %s.", unit, xcats[0], xcats[len(xcats)-1],
		countLabel(len(c.Series), "series", "series"))
	val := func(p XY) string {
		if p.suppressed() {
			return "suppressed"
		}
		return format(*p.Y)
	}
	for _, s := range c.Series {
		fmt.Fprintf(&b, " %s: ", s.Name)
		if len(s.Points) == 0 {
			b.WriteString("no data.")
			continue
		}
		if len(s.Points) <= 12 {
			var parts []string
			for _, p := range s.Points {
				parts = append(parts, p.X+" "+val(p))
			}
			b.WriteString(strings.Join(parts, ", ") + ".")
			continue
		}
		first, last := s.Points[0], s.Points[len(s.Points)-1]
		fmt.Fprintf(&b, "%s in %s, %s in %s", val(first), first.X, val(last), last.X)
		var supp []string
		for _, p := range s.Points {
			if p.suppressed() {
				supp = append(supp, p.X)
			}
		}
		if len(supp) > 0 {
			b.WriteString("; suppressed in " + listWords(supp))
		}
		b.WriteString(".")
	}
	return b.String()
}

// orNone maps an empty dash pattern to SVG's "none".
func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
