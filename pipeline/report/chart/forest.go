package chart

import (
	"fmt"
	"strconv"
	"strings"
)

// ForestRow is one estimate with its interval, such as the
// difference-in-differences effect of an intervention at one school.
type ForestRow struct {
	// Label names the row, e.g. a school.
	Label string
	// Estimate is the point estimate and Lower and Upper the ends of its
	// interval; Lower <= Estimate <= Upper is required.
	Estimate, Lower, Upper float64
	// Pooled marks a combined estimate over the other rows. It is drawn
	// as a diamond spanning its interval, with a bold label, below a rule.
	Pooled bool
	// Suppressed hides the row's figures: the row is labelled and shown as
	// "suppressed", and Estimate, Lower and Upper are ignored.
	Suppressed bool
}

// includesZero reports whether the row's interval contains zero, i.e. the
// data are consistent with no effect. An end exactly at zero counts.
func (r ForestRow) includesZero() bool { return r.Lower <= 0 && r.Upper >= 0 }

// ForestPlot shows estimates with intervals, one row each, against a
// vertical reference line at zero (no effect), with the estimates printed
// in a column on the right. Estimates whose interval includes zero are
// drawn hollow and the others filled, so the distinction survives grey
// scale; a legend under the axis explains the marks.
type ForestPlot struct {
	// Title is shown above the chart and used as its accessible name.
	Title string
	// Unit labels the horizontal axis and should give the measure and its
	// unit, e.g. "Change in Progress 8 score".
	Unit string
	// Interval names the intervals in the legend, e.g. "95% confidence
	// interval"; empty means "confidence interval".
	Interval string
	// Rows are drawn top to bottom in order. Put pooled rows last.
	Rows []ForestRow
	// Format formats the printed estimates. Nil means the fewest
	// decimals (at most two) that show every figure, the same for all.
	Format func(float64) string
	// Width and Height are the size in px; zero means 720 wide and 24 px
	// per row tall. Rows are scaled to a given Height, but a Height too
	// small for legible rows is raised, as is a Width under 400.
	Width, Height int
}

// SVG returns the chart as a standalone <svg> element. It returns an error
// if a figure is NaN or infinite, an estimate lies outside its interval,
// or the size is negative.
func (c *ForestPlot) SVG() (string, error) {
	w, ok := size(c.Width, 720, 400)
	if !ok {
		return "", fmt.Errorf("chart: ForestPlot %q: negative width", c.Title)
	}
	hFixed, ok := size(c.Height, 0, 160)
	if !ok {
		return "", fmt.Errorf("chart: ForestPlot %q: negative height", c.Title)
	}
	if len(c.Rows) == 0 {
		return emptyChart(w, orDefault(hFixed, 160), c.Title, "no data"), nil
	}
	ext := extent{lo: 0, hi: 0, n: 1} // the axis always shows zero
	var vals []float64
	for i, r := range c.Rows {
		if r.Suppressed {
			continue
		}
		what := fmt.Sprintf("ForestPlot %q row %d (%q)", c.Title, i, r.Label)
		for _, v := range []struct {
			name string
			v    float64
		}{{"estimate", r.Estimate}, {"lower bound", r.Lower}, {"upper bound", r.Upper}} {
			if err := finite(v.v, what+" "+v.name); err != nil {
				return "", err
			}
		}
		if !(r.Lower <= r.Estimate && r.Estimate <= r.Upper) {
			return "", fmt.Errorf("chart: %s: estimate %v is not within [%v, %v]", what, r.Estimate, r.Lower, r.Upper)
		}
		ext.add(r.Lower)
		ext.add(r.Upper)
		vals = append(vals, r.Estimate, r.Lower, r.Upper)
	}
	format := formatter(c.Format, vals)
	interval := c.Interval
	if interval == "" {
		interval = "confidence interval"
	}

	// Columns: labels | plot | printed estimates.
	values := make([]string, len(c.Rows))
	labW, valW := 0.0, textWidth("Estimate (interval)", fontSize)
	for i, r := range c.Rows {
		values[i] = c.valueText(r, format)
		valW = max(valW, textWidth(values[i], fontSize))
		labW = max(labW, textWidth(r.Label, fontSize))
	}
	labW = min(labW, w*0.32)
	valW = min(valW, w*0.3)
	left := 12 + labW + 16
	right := w - 12 - valW - 16

	// Rows: a fixed pitch by default; with a fixed Height, whatever fits.
	top := 66.0
	gap := 0.0 // extra space before the first pooled row
	for i, r := range c.Rows {
		if r.Pooled && i > 0 && !c.Rows[i-1].Pooled {
			gap = 10
			break
		}
	}
	const below = 92.0 // axis, unit, two legend rows
	pitch := 24.0
	h := hFixed
	if h == 0 {
		h = top + gap + pitch*float64(len(c.Rows)) + below
	} else {
		// Rows shrink to fit a fixed Height, but not below the height
		// of a line of text; then the chart grows instead.
		pitch = max((h-top-gap-below)/float64(len(c.Rows)), 16)
		h = max(h, top+gap+pitch*float64(len(c.Rows))+below)
	}
	axisY := top + gap + pitch*float64(len(c.Rows)) + 4

	tk := niceTicks(ext.lo, ext.hi, tickCount(right-left, 70))
	xs := scale{tk.first(), tk.last(), left, right}
	zx := xs.at(0)

	d := newDoc(w, h, c.Title, c.describe(values, interval))
	d.titleText(c.Title, w)
	d.text(w-12, top-12, "Estimate (interval)", "text-anchor", "end", "fill", ink, "font-weight", "bold")
	// Centred over the zero line, but kept clear of the header on the
	// right when zero is at an end of the axis.
	half := textWidth("no effect", fontSize) / 2
	d.text(min(max(zx, left+half), right-half), top-12, "no effect", "text-anchor", "middle", "fill", inkMuted, "font-style", "italic")

	// Zebra stripes help the eye across the gap between label and value.
	y := top
	rowY := make([]float64, len(c.Rows))
	for i, r := range c.Rows {
		if r.Pooled && i > 0 && !c.Rows[i-1].Pooled {
			y += gap
			d.line(12, y-gap/2, w-12, y-gap/2, "stroke", ink)
		}
		rowY[i] = y + pitch/2
		if i%2 == 1 {
			d.rect(12, y, w-24, pitch, "fill", "#f2f2f2")
		}
		y += pitch
	}

	// Grid and axis.
	for _, t := range tk.vals {
		x := xs.at(t)
		d.line(x, top, x, axisY, "stroke", gridColor)
		d.line(x, axisY, x, axisY+5, "stroke", ink)
		d.text(x, axisY+18, tk.label(t), "text-anchor", "middle", "fill", ink)
	}
	d.line(left, axisY, right, axisY, "stroke", ink)
	d.line(zx, top-4, zx, axisY, "stroke", ink, "stroke-width", "1.5", "stroke-dasharray", "5 3", "class", "reference")
	if c.Unit != "" {
		d.label((left+right)/2, axisY+36, c.Unit, fit(c.Unit, fontSize, w-24), "text-anchor", "middle", "fill", ink, "font-weight", "bold")
	}

	for i, r := range c.Rows {
		cy := rowY[i]
		weight := "normal"
		if r.Pooled {
			weight = "bold"
		}
		d.label(12, cy+4, r.Label, fit(r.Label, fontSize, labW), "fill", ink, "font-weight", weight)
		d.text(w-12, cy+4, values[i], "text-anchor", "end", "fill", ink, "font-weight", weight)
		if r.Suppressed {
			d.text(zx+6, cy+4, "supp.", "fill", inkMuted, "font-style", "italic", "font-size", strconv.Itoa(smallFont), "class", "suppressed")
			continue
		}
		fill, class := ink, "ci-excludes-zero"
		if r.includesZero() {
			fill, class = paper, "ci-includes-zero"
		}
		lo, est, hi := xs.at(r.Lower), xs.at(r.Estimate), xs.at(r.Upper)
		if r.Pooled {
			hh := min(8, pitch/2-1)
			// Keep a visible diamond even when the interval is very narrow.
			lo, hi = min(lo, est-4), max(hi, est+4)
			d.el("path", "d", polygon([][2]float64{{lo, cy}, {est, cy - hh}, {hi, cy}, {est, cy + hh}}),
				"fill", fill, "stroke", ink, "stroke-width", "1.5", "class", "pooled "+class)
			continue
		}
		d.line(lo, cy, hi, cy, "stroke", ink, "stroke-width", "1.5")
		d.line(lo, cy-4, lo, cy+4, "stroke", ink, "stroke-width", "1.5")
		d.line(hi, cy-4, hi, cy+4, "stroke", ink, "stroke-width", "1.5")
		d.marker(square, est, cy, 5, fill, ink, "class", class)
	}

	// Legend: the marks explained in words.
	ly := axisY + 58
	lx := 12.0
	item := func(draw func(x, y float64), text string) {
		draw(lx, ly-4)
		d.text(lx+28, ly, text, "fill", ink)
		lx += 28 + textWidth(text, fontSize) + 20
	}
	item(func(x, y float64) { d.marker(square, x+10, y, 5, ink, ink) }, "interval excludes zero")
	item(func(x, y float64) { d.marker(square, x+10, y, 5, paper, ink) }, "interval includes zero (no clear effect)")
	ly += 18
	lx = 12
	item(func(x, y float64) {
		d.line(x, y, x+20, y, "stroke", ink, "stroke-width", "1.5")
		d.line(x, y-4, x, y+4, "stroke", ink, "stroke-width", "1.5")
		d.line(x+20, y-4, x+20, y+4, "stroke", ink, "stroke-width", "1.5")
	}, fit(interval, fontSize, 260))
	item(func(x, y float64) {
		d.el("path", "d", polygon([][2]float64{{x, y}, {x + 10, y - 6}, {x + 20, y}, {x + 10, y + 6}}), "fill", ink, "stroke", ink)
	}, "pooled estimate")
	item(func(x, y float64) {
		d.line(x+10, y-7, x+10, y+7, "stroke", ink, "stroke-width", "1.5", "stroke-dasharray", "5 3")
	}, "zero: no effect")
	return d.finish(), nil
}

// valueText is the printed figure for a row, e.g. "0.12 (-0.05 to 0.29)".
func (c *ForestPlot) valueText(r ForestRow, format func(float64) string) string {
	if r.Suppressed {
		return "suppressed"
	}
	return format(r.Estimate) + " (" + format(r.Lower) + " to " + format(r.Upper) + ")"
}

// describe lists the rows in words, up to a limit.
func (c *ForestPlot) describe(values []string, interval string) string {
	var b strings.Builder
	unit := c.Unit
	if unit == "" {
		unit = "estimates"
	}
	fmt.Fprintf(&b, "Forest plot of %s with %ss, %s, against a reference line at zero (no effect).",
		unit, interval, countLabel(len(c.Rows), "row", "rows"))
	const limit = 30
	for i, r := range c.Rows {
		if i == limit {
			fmt.Fprintf(&b, " And %s more.", countLabel(len(c.Rows)-limit, "row", "rows"))
			break
		}
		b.WriteString(" ")
		if r.Pooled {
			b.WriteString("Pooled: ")
		}
		b.WriteString(r.Label + ": " + values[i])
		switch {
		case r.Suppressed:
			b.WriteString(".")
		case r.includesZero():
			b.WriteString(", interval includes zero.")
		default:
			b.WriteString(", interval excludes zero.")
		}
	}
	return b.String()
}
