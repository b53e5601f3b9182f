package chart

import (
	"fmt"
	"strconv"
	"strings"
)

// Bar is one bar of a BarChart.
type Bar struct {
	// Value is the bar's length; nil means suppressed.
	Value *float64
	// Suppressed marks the value as suppressed even if Value is set.
	Suppressed bool
}

func (b Bar) suppressed() bool { return b.Suppressed || b.Value == nil }

// BarGroup is one category of a BarChart, such as one quarantine reason.
type BarGroup struct {
	// Label names the category.
	Label string
	// Bars holds one bar per series, in the order of BarChart.Series.
	// It may be shorter than Series; the missing bars are shown as
	// "no data" (not as suppressed, and not as zero).
	Bars []Bar
}

// BarChart draws horizontal bars grouped by category, with each value
// printed at the end of its bar. With several series, bars within a group
// are told apart by fill lightness and order, explained by a legend.
// Suppressed bars are drawn as a short hatched placeholder with a dashed
// outline labelled "suppressed", so they read neither as zero nor as a
// value. Negative values extend left of a zero line.
type BarChart struct {
	// Title is shown above the chart and used as its accessible name.
	Title string
	// Unit labels the value axis and should give the measure and its
	// unit, e.g. "Rows quarantined" or "Gap in % points".
	Unit string
	// Series names the bars within each group, e.g. "KS2", "KS4". With
	// fewer than two series there is no legend and each group has at
	// most one bar.
	Series []string
	// Groups are the categories, drawn top to bottom.
	Groups []BarGroup
	// Format formats the printed values. Nil means the fewest decimals
	// (at most two) that show every value, the same for all.
	Format func(float64) string
	// Width and Height are the size in px; zero means 720 wide and tall
	// enough for 16 px bars. Bars are scaled to a given Height, but a
	// Height too small for legible bars is raised, as is a Width under
	// 360.
	Width, Height int
}

// SVG returns the chart as a standalone <svg> element. It returns an error
// if a value is NaN or infinite, a group has more bars than there are
// series, or the size is negative.
func (c *BarChart) SVG() (string, error) {
	w, ok := size(c.Width, 720, 360)
	if !ok {
		return "", fmt.Errorf("chart: BarChart %q: negative width", c.Title)
	}
	hFixed, ok := size(c.Height, 0, 120)
	if !ok {
		return "", fmt.Errorf("chart: BarChart %q: negative height", c.Title)
	}
	if len(c.Groups) == 0 {
		return emptyChart(w, orDefault(hFixed, 160), c.Title, "no data"), nil
	}
	nb := max(len(c.Series), 1)
	ext := extent{lo: 0, hi: 0, n: 1} // bars start at zero
	numeric, supp := 0, false
	var vals []float64
	for gi, g := range c.Groups {
		if len(g.Bars) > nb {
			return "", fmt.Errorf("chart: BarChart %q group %d (%q) has %d bars for %d series", c.Title, gi, g.Label, len(g.Bars), nb)
		}
		for bi, b := range g.Bars {
			if b.suppressed() {
				supp = true
				continue
			}
			if err := finite(*b.Value, fmt.Sprintf("BarChart %q group %d (%q) bar %d", c.Title, gi, g.Label, bi)); err != nil {
				return "", err
			}
			ext.add(*b.Value)
			vals = append(vals, *b.Value)
			numeric++
		}
	}
	format := formatter(c.Format, vals)

	// Columns: group labels | (room for labels of negative bars) | plot |
	// room for value labels.
	labW, valW, negW := 0.0, 0.0, 0.0
	for _, g := range c.Groups {
		labW = max(labW, textWidth(g.Label, fontSize))
		for _, b := range g.Bars {
			if b.suppressed() {
				continue
			}
			tw := textWidth(format(*b.Value), fontSize)
			valW = max(valW, tw)
			if *b.Value < 0 {
				negW = max(negW, tw)
			}
		}
	}
	if supp {
		valW = max(valW, textWidth("suppressed", fontSize))
	}
	valW = max(valW, textWidth("no data", fontSize))
	labW = min(labW, w*0.32)
	left := 12 + labW + 14
	if negW > 0 {
		left += negW + 6
	}
	right := w - 12 - valW - 6

	const barH, barGap, groupGap = 16.0, 3.0, 14.0
	block := float64(nb)*barH + float64(nb-1)*barGap
	top := 44.0
	if len(c.Series) > 1 {
		top = 72
	}
	const below = 50.0
	pitch := block + groupGap
	// With a fixed Height the bars are scaled to fill it, but never so
	// thin that a value label no longer fits: then the chart grows
	// instead, because unreadable text is worse than a taller chart.
	scaleY := 1.0
	need := pitch * float64(len(c.Groups))
	h := hFixed
	if h != 0 {
		scaleY = min(max((h-top-below)/need, 0.75), 1.5)
	}
	h = max(h, top+need*scaleY+below)
	axisY := top + pitch*scaleY*float64(len(c.Groups))

	tk := ticks{vals: []float64{0, 1}}
	if numeric > 0 {
		tk = niceTicks(ext.lo, ext.hi, tickCount(right-left, 70))
	}
	xs := scale{tk.first(), tk.last(), left, right}
	zx := xs.at(0)

	d := newDoc(w, h, c.Title, c.describe(format))
	d.titleText(c.Title, w)

	if len(c.Series) > 1 {
		lx := 12.0
		for i, s := range c.Series {
			st := styleFor(i)
			name := fit(s, fontSize, 220)
			d.rect(lx, 36, 14, 14, "fill", st.fill, "stroke", ink)
			d.label(lx+20, 48, s, name, "fill", ink)
			lx += 20 + textWidth(name, fontSize) + 18
		}
	}

	// Grid and axis. Tick labels are left out when nothing has a value,
	// since the scale would then be made up.
	for _, t := range tk.vals {
		x := xs.at(t)
		d.line(x, top-6, x, axisY, "stroke", gridColor)
		d.line(x, axisY, x, axisY+5, "stroke", ink)
		if numeric > 0 {
			d.text(x, axisY+18, tk.label(t), "text-anchor", "middle", "fill", ink)
		}
	}
	d.line(left, axisY, right, axisY, "stroke", ink)
	if c.Unit != "" {
		d.label((left+right)/2, axisY+38, c.Unit, fit(c.Unit, fontSize, w-24), "text-anchor", "middle", "fill", ink, "font-weight", "bold")
	}

	// The suppressed placeholder goes right from zero unless zero is at
	// the right-hand end of the axis.
	placeW := min(60, (right-left)*0.2)
	placeDir := 1.0
	if right-zx < placeW {
		placeDir = -1
	}
	bh := barH * scaleY
	for gi, g := range c.Groups {
		gy := top + pitch*scaleY*float64(gi)
		d.label(12, gy+block*scaleY/2+4, g.Label, fit(g.Label, fontSize, labW), "fill", ink)
		for bi := 0; bi < nb; bi++ {
			by := gy + float64(bi)*(barH+barGap)*scaleY
			cy := by + bh/2 + 4
			st := styleFor(bi)
			if bi >= len(g.Bars) {
				d.text(zx+4, cy, "no data", "fill", inkMuted, "font-style", "italic", "font-size", strconv.Itoa(smallFont))
				continue
			}
			b := g.Bars[bi]
			if b.suppressed() {
				x := zx
				if placeDir < 0 {
					x = zx - placeW
				}
				d.hatch(x, by, placeW, bh, "class", "suppressed")
				if placeDir > 0 {
					d.text(zx+placeW+4, cy, "suppressed", "fill", ink, "font-style", "italic")
				} else {
					d.text(zx-placeW-4, cy, "suppressed", "text-anchor", "end", "fill", ink, "font-style", "italic")
				}
				continue
			}
			v := *b.Value
			x := xs.at(v)
			d.rect(min(x, zx), by, max(x, zx)-min(x, zx), bh, "fill", st.fill, "stroke", ink, "stroke-width", "1")
			if v < 0 {
				d.text(x-4, cy, format(v), "text-anchor", "end", "fill", ink)
			} else {
				d.text(x+4, cy, format(v), "fill", ink)
			}
		}
	}
	// Zero line last, over the bars' ends.
	d.line(zx, top-6, zx, axisY, "stroke", ink, "stroke-width", "1.5")
	return d.finish(), nil
}

// describe lists the groups and their values in words, up to a limit.
func (c *BarChart) describe(format func(float64) string) string {
	var b strings.Builder
	unit := c.Unit
	if unit == "" {
		unit = "values"
	}
	fmt.Fprintf(&b, "Bar chart of %s, %s", unit, countLabel(len(c.Groups), "group", "groups"))
	if len(c.Series) > 1 {
		b.WriteString(", bars for " + listWords(c.Series))
	}
	b.WriteString(".")
	const limit = 30
	for gi, g := range c.Groups {
		if gi == limit {
			fmt.Fprintf(&b, " And %s more.", countLabel(len(c.Groups)-limit, "group", "groups"))
			break
		}
		var parts []string
		for bi := 0; bi < max(len(c.Series), 1); bi++ {
			v := "no data"
			if bi < len(g.Bars) {
				if g.Bars[bi].suppressed() {
					v = "suppressed"
				} else {
					v = format(*g.Bars[bi].Value)
				}
			}
			if len(c.Series) > 1 {
				v = c.Series[bi] + " " + v
			}
			parts = append(parts, v)
		}
		b.WriteString(" " + g.Label + ": " + strings.Join(parts, ", ") + ".")
	}
	return b.String()
}
