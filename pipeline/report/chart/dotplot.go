package chart

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Point is one entity on a DotPlot, such as one local authority.
type Point struct {
	// Label names the entity. It is printed next to highlighted points
	// and used in the accessible description.
	Label string
	// Value is the entity's value; nil means suppressed. Suppressed
	// points are not plotted but are counted and, if highlighted, named
	// in a note under the axis.
	Value *float64
	// Highlight marks the entity the reader cares about ("ours"). It is
	// drawn as a large diamond and labelled with its value and rank.
	Highlight bool
	// Group, if not empty, puts the point in a secondary highlight set
	// such as "Statistical neighbours". Each group gets its own marker
	// shape and a legend entry. Highlight takes precedence over Group.
	Group string
}

// DotPlot shows the values of many entities on one horizontal axis, for
// example all 152 local authorities' Progress 8 scores, with one or a few
// entities highlighted and labelled. Points are stacked upwards where
// they would overlap, so dense regions of the distribution look taller.
type DotPlot struct {
	// Title is shown above the chart and used as its accessible name.
	Title string
	// Unit labels the value axis and should say what is measured and in
	// what unit, e.g. "Progress 8 score" or "% pupils".
	Unit string
	// Points are the entities. Their order does not affect the drawing.
	Points []Point
	// HigherIsBetter says which end of the axis is "better"; the ends are
	// annotated accordingly and highlighted points are ranked with 1 as
	// the best. (The zero value means lower is better.)
	HigherIsBetter bool
	// Format formats values in labels and the description. Nil means
	// the fewest decimals (at most two) that show every value, the same
	// for all values.
	Format func(float64) string
	// Width and Height are the size in px; zero means 720 wide and as
	// tall as the stacked points need (at most 560). In a smaller Height
	// the stacks are squeezed and points overlap. A Width under 320 or a
	// Height under 200 is raised.
	Width, Height int
}

// Marker sizes (radius, px) and the stacking step of the dot plot.
const (
	dotR       = 3.5
	dotGroupR  = 4.5
	dotHighR   = 6
	dotStep    = 9 // centre-to-centre distance of stacked points
	dotLabelDY = 15
)

// groupShapes are the shapes of secondary highlight groups; the hollow
// circle (others) and the diamond (highlight) are taken.
var groupShapes = []shape{triangle, square, triangleDown, hexagon}
var groupColors = []string{"#b04a00", "#00704f", "#8f3f71", "#595959"}

// dot is a plotted point with its layout.
type dot struct {
	p     Point
	v, x  float64
	level int
	group int // index into groups, or -1
}

// SVG returns the chart as a standalone <svg> element. It returns an error
// if a value is NaN or infinite or the size is negative.
func (c *DotPlot) SVG() (string, error) {
	w, ok := size(c.Width, 720, 320)
	if !ok {
		return "", fmt.Errorf("chart: DotPlot %q: negative width", c.Title)
	}
	hFixed, ok := size(c.Height, 0, 200)
	if !ok {
		return "", fmt.Errorf("chart: DotPlot %q: negative height", c.Title)
	}

	var (
		dots      []dot
		ext       extent
		groups    []string
		suppHigh  []string // names of suppressed highlighted points
		suppOther int
	)
	for i, p := range c.Points {
		if p.Value == nil {
			if p.Highlight {
				suppHigh = append(suppHigh, p.Label)
			} else {
				suppOther++
			}
			continue
		}
		if err := finite(*p.Value, fmt.Sprintf("DotPlot %q point %d (%q)", c.Title, i, p.Label)); err != nil {
			return "", err
		}
		g := -1
		if p.Group != "" && !p.Highlight {
			g = indexOf(groups, p.Group)
			if g < 0 {
				g = len(groups)
				groups = append(groups, p.Group)
			}
		}
		dots = append(dots, dot{p: p, v: *p.Value, group: g})
		ext.add(*p.Value)
	}
	vals := make([]float64, len(dots))
	for i, dt := range dots {
		vals[i] = dt.v
	}
	format := formatter(c.Format, vals)
	if len(c.Points) == 0 {
		return emptyChart(w, orDefault(hFixed, 160), c.Title, "no data"), nil
	}
	if len(dots) == 0 {
		return emptyChart(w, orDefault(hFixed, 160), c.Title,
			"no data to plot: all "+countLabel(len(c.Points), "value is", "values are")+" suppressed"), nil
	}

	left, right := 28.0, w-28
	tk := niceTicks(ext.lo, ext.hi, tickCount(right-left, 80))
	xs := scale{tk.first(), tk.last(), left, right}
	for i := range dots {
		dots[i].x = xs.at(dots[i].v)
	}
	levels := stack(dots)

	// Labels for highlighted points, taken from left to right and packed
	// greedily into rows so that they do not overlap; row 0 is nearest
	// the points.
	type hlabel struct {
		d     *dot
		text  string
		x0, y float64
		row   int
	}
	var high []int
	for i := range dots {
		if dots[i].p.Highlight {
			high = append(high, i)
		}
	}
	sort.SliceStable(high, func(a, b int) bool { return dots[high[a]].x < dots[high[b]].x })
	var labels []hlabel
	var rowEnds []float64
	for _, i := range high {
		d := &dots[i]
		rank, joint := c.rank(dots, d.v)
		t := d.p.Label + ": " + format(d.v) + " (" + joint + "rank " + strconv.Itoa(rank) + " of " + strconv.Itoa(len(dots)) + ")"
		t = fit(t, fontSize, right-left)
		tw := textWidth(t, fontSize)
		x0 := min(max(d.x-tw/2, left-20), right+20-tw)
		row := 0
		for row < len(rowEnds) && rowEnds[row]+10 > x0 {
			row++
		}
		if row == len(rowEnds) {
			rowEnds = append(rowEnds, 0)
		}
		rowEnds[row] = x0 + tw
		labels = append(labels, hlabel{d: d, text: t, x0: x0, row: row})
	}

	// Legend: one entry per kind of marker actually present, wrapped
	// into rows that fit the width.
	type entry struct {
		s            shape
		r            float64
		fill, stroke string
		full, shown  string
		x, y         float64
	}
	var legend []entry
	switch len(labels) {
	case 0:
	case 1:
		legend = append(legend, entry{s: diamond, r: dotHighR - 1, fill: accent, stroke: ink, full: labels[0].d.p.Label})
	default:
		legend = append(legend, entry{s: diamond, r: dotHighR - 1, fill: accent, stroke: ink, full: "Highlighted"})
	}
	for i, g := range groups {
		legend = append(legend, entry{s: groupShapes[i%len(groupShapes)], r: dotGroupR,
			fill: groupColors[i%len(groupColors)], stroke: ink, full: g})
	}
	for _, dt := range dots {
		if !dt.p.Highlight && dt.group < 0 {
			legend = append(legend, entry{s: circle, r: dotR, fill: paper, stroke: "#7a7a7a", full: "Others"})
			break
		}
	}
	lx, ly := 12.0, 46.0
	for i := range legend {
		e := &legend[i]
		e.shown = fit(e.full, fontSize, 220)
		iw := 16 + textWidth(e.shown, fontSize) + 18
		if lx > 12 && lx+iw > w-12 {
			lx, ly = 12, ly+18
		}
		e.x, e.y = lx, ly
		lx += iw
	}

	// Vertical layout, top to bottom: title, legend, highlight labels,
	// stacked points, axis, axis labels, suppression note.
	swarmTop := ly + 20 + float64(len(rowEnds))*dotLabelDY
	step := float64(dotStep)
	note := wrap(suppressionNote(suppHigh, suppOther), smallFont, w-24)
	below := 44.0
	if len(note) > 0 {
		below += 18 + float64(len(note)-1)*(smallFont+3)
	}
	h := hFixed
	if h == 0 {
		h = swarmTop + float64(levels)*step + 8 + below
		if h > 560 { // very dense data: squeeze rather than grow forever
			h = 560
		}
	}
	h = max(h, swarmTop+24+below) // room for at least a squeezed stack
	axisY := h - below
	if avail := axisY - 8 - swarmTop; float64(levels)*step > avail {
		step = max(avail/float64(levels), 1)
	}
	for i := range labels {
		labels[i].y = swarmTop - 8 - float64(labels[i].row)*dotLabelDY
	}

	d := newDoc(w, h, c.Title, c.describe(dots, groups, suppHigh, suppOther, format))
	d.titleText(c.Title, w)

	for _, e := range legend {
		d.marker(e.s, e.x+6, e.y-4, e.r, e.fill, e.stroke)
		d.label(e.x+16, e.y, e.full, e.shown, "fill", ink)
	}

	// Grid and axis. The zero line is darker: on most measures in the
	// report zero is the national average or "no difference".
	for _, t := range tk.vals {
		x := xs.at(t)
		col := gridColor
		if t == 0 {
			col = "#8c8c8c"
		}
		d.line(x, swarmTop-4, x, axisY, "stroke", col, "stroke-width", "1")
		d.line(x, axisY, x, axisY+5, "stroke", ink)
		d.text(x, axisY+18, tk.label(t), "text-anchor", "middle", "fill", ink)
	}
	d.line(left, axisY, right, axisY, "stroke", ink)
	worse, better := "← worse", "better →"
	if !c.HigherIsBetter {
		worse, better = "← better", "worse →"
	}
	annW := max(textWidth(worse, fontSize), textWidth(better, fontSize)) + 16
	d.text(left-16, axisY+36, worse, "fill", inkMuted, "font-style", "italic")
	d.text(right+16, axisY+36, better, "text-anchor", "end", "fill", inkMuted, "font-style", "italic")
	if c.Unit != "" {
		d.label(w/2, axisY+36, c.Unit, fit(c.Unit, fontSize, w-2*annW-40), "text-anchor", "middle", "fill", ink, "font-weight", "bold")
	}
	d.note(12, axisY+54, note)

	// Points: others first, then groups, then highlights on top.
	y := func(dt *dot) float64 { return axisY - 8 - step/2 - float64(dt.level)*step }
	for pass := 0; pass < 3; pass++ {
		for i := range dots {
			dt := &dots[i]
			switch {
			case pass == 0 && !dt.p.Highlight && dt.group < 0:
				d.marker(circle, dt.x, y(dt), dotR, paper, "#7a7a7a")
			case pass == 1 && !dt.p.Highlight && dt.group >= 0:
				d.marker(groupShapes[dt.group%len(groupShapes)], dt.x, y(dt), dotGroupR,
					groupColors[dt.group%len(groupColors)], ink)
			}
		}
	}
	// Leader lines, then markers, then labels. Labels get a white halo
	// so that where leader lines from other labels pass behind them, the
	// text stays readable.
	for _, l := range labels {
		d.line(l.d.x, l.y+4, l.d.x, y(l.d)-dotHighR-1, "stroke", ink, "stroke-width", "1")
	}
	for _, l := range labels {
		d.marker(diamond, l.d.x, y(l.d), dotHighR, accent, ink, "class", "highlight")
	}
	for _, l := range labels {
		d.text(l.x0, l.y, l.text, "fill", ink, "font-weight", "bold",
			"stroke", paper, "stroke-width", "4", "stroke-linejoin", "round", "paint-order", "stroke")
	}
	return d.finish(), nil
}

// stack assigns each dot the lowest level at which it does not overlap an
// already placed dot, scanning in order of value. It returns the number
// of levels used. Sorting by (x, original index) keeps it deterministic.
func stack(dots []dot) int {
	order := make([]int, len(dots))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return dots[order[a]].x < dots[order[b]].x })
	levels := 0
	var used []bool
	for k, i := range order {
		used = used[:0]
		// Only dots less than one step to the left can overlap.
		for j := k - 1; j >= 0 && dots[i].x-dots[order[j]].x < dotStep; j-- {
			l := dots[order[j]].level
			for len(used) <= l {
				used = append(used, false)
			}
			used[l] = true
		}
		l := 0
		for l < len(used) && used[l] {
			l++
		}
		dots[i].level = l
		levels = max(levels, l+1)
	}
	return levels
}

// rank returns the 1-based rank of v among the plotted dots, 1 being the
// best, and "joint " if other dots share the value.
func (c *DotPlot) rank(dots []dot, v float64) (int, string) {
	better, same := 0, 0
	for _, d := range dots {
		switch {
		case d.v == v:
			same++
		case c.HigherIsBetter && d.v > v, !c.HigherIsBetter && d.v < v:
			better++
		}
	}
	if same > 1 {
		return better + 1, "joint "
	}
	return better + 1, ""
}

// suppressionNote names suppressed highlighted points and counts the rest.
func suppressionNote(high []string, others int) string {
	var parts []string
	for _, h := range high {
		parts = append(parts, h+" (highlighted)")
	}
	if others > 0 {
		word := "others"
		if len(high) == 0 {
			word = "points"
			if others == 1 {
				word = "point"
			}
		} else if others == 1 {
			word = "other"
		}
		parts = append(parts, strconv.Itoa(others)+" "+word)
	}
	if len(parts) == 0 {
		return ""
	}
	return "Suppressed, not plotted: " + listWords(parts) + "."
}

// describe summarises the chart in words for the <desc> element.
func (c *DotPlot) describe(dots []dot, groups []string, suppHigh []string, suppOther int, format func(float64) string) string {
	var b strings.Builder
	vals := make([]float64, len(dots))
	for i, d := range dots {
		vals[i] = d.v
	}
	sort.Float64s(vals)
	med := vals[len(vals)/2]
	if len(vals)%2 == 0 {
		med = (vals[len(vals)/2-1] + vals[len(vals)/2]) / 2
	}
	unit := c.Unit
	if unit == "" {
		unit = "value"
	}
	fmt.Fprintf(&b, "Dot plot of %s for %s. ", unit, countLabel(len(dots), "plotted point", "plotted points"))
	fmt.Fprintf(&b, "Values range from %s to %s, median %s. ", format(vals[0]), format(vals[len(vals)-1]), format(med))
	if c.HigherIsBetter {
		b.WriteString("Higher is better. ")
	} else {
		b.WriteString("Lower is better. ")
	}
	for _, d := range dots {
		if d.p.Highlight {
			r, joint := c.rank(dots, d.v)
			fmt.Fprintf(&b, "Highlighted: %s, %s, %srank %d of %d (1 is best). ", d.p.Label, format(d.v), joint, r, len(dots))
		}
	}
	for gi, g := range groups {
		var e extent
		for _, d := range dots {
			if d.group == gi {
				e.add(d.v)
			}
		}
		fmt.Fprintf(&b, "%s: %s, from %s to %s. ", g, countLabel(e.n, "point", "points"), format(e.lo), format(e.hi))
	}
	b.WriteString(suppressionNote(suppHigh, suppOther))
	return strings.TrimSpace(b.String())
}

func indexOf(list []string, s string) int {
	for i, v := range list {
		if v == s {
			return i
		}
	}
	return -1
}

// orDefault returns v, or def if v is zero.
func orDefault(v, def float64) float64 {
	if v == 0 {
		return def
	}
	return v
}
