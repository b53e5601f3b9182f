// Package chart draws the small set of charts used in the edwh HTML report
// as standalone SVG elements.
//
// The report is opened from file shares and forwarded by e-mail, so every
// chart is a self-contained <svg> element: no scripts, no external fonts,
// styles or images, and no id references (so several charts can be pasted
// into one page without clashing). Charts are designed to survive grey-scale
// printing: series and categories differ by marker shape, dash pattern, fill
// lightness and direct labels, never by hue alone.
//
// Values are float64. A suppressed value (a small number hidden for privacy)
// is a nil *float64 or, where a type has one, a Suppressed flag; suppressed
// values are always drawn as "supp." or "suppressed", never as zero and
// never silently dropped. NaN and infinite values are rejected with an error.
//
// Every chart type has an SVG method that returns the markup as a string.
// Output is deterministic: the same chart value gives the same bytes.
package chart

import (
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Type sizes in px. The brief for the report asks for text of at least
// 11px so that charts stay legible when printed or viewed on a projector.
const (
	fontSize  = 12
	smallFont = 11
	titleFont = 15
	// charWidth estimates the advance of an average sans-serif character
	// as a fraction of the font size. We cannot measure text without a font
	// engine, so layout uses this slight overestimate and errs on the side
	// of too much space.
	charWidth = 0.6
)

// Ink colours. The palette is chosen by lightness first so that it still
// separates in grey scale; hue is only a bonus.
const (
	ink       = "#1a1a1a" // axes, text, primary marks
	inkMuted  = "#595959" // secondary text; 7:1 contrast on white
	gridColor = "#d9d9d9"
	accent    = "#1f4e9c" // highlighted entity: dark, so it prints dark
	paper     = "#ffffff"
)

// doc accumulates the markup of one <svg> element.
type doc struct {
	b strings.Builder
}

// newDoc starts an <svg> of the given size with the accessible title and
// description. The title and desc are the first children, which is where
// assistive technology looks for the accessible name and description.
func newDoc(w, h float64, title, desc string) *doc {
	d := &doc{}
	d.b.WriteString(`<svg xmlns="http://www.w3.org/2000/svg"`)
	d.attr("viewBox", "0 0 "+num(w)+" "+num(h))
	d.attr("width", num(w))
	d.attr("height", num(h))
	d.attr("role", "img")
	d.attr("font-family", "Arial, Helvetica, sans-serif")
	d.attr("font-size", strconv.Itoa(fontSize))
	// Let the chart shrink inside narrow report columns while keeping its
	// aspect ratio (the viewBox does the scaling).
	d.attr("style", "max-width:100%;height:auto")
	d.b.WriteString(">\n")
	d.open("title")
	d.b.WriteString(esc(title))
	d.close("title")
	d.open("desc")
	d.b.WriteString(esc(desc))
	d.close("desc")
	// A white background so the chart is readable when the page or the
	// e-mail client has a dark or tinted background.
	d.el("rect", "x", "0", "y", "0", "width", num(w), "height", num(h), "fill", paper)
	return d
}

// attr writes one escaped attribute.
func (d *doc) attr(k, v string) {
	d.b.WriteByte(' ')
	d.b.WriteString(k)
	d.b.WriteString(`="`)
	d.b.WriteString(esc(v))
	d.b.WriteByte('"')
}

// attrs writes key/value pairs. An odd count is a programming error.
func (d *doc) attrs(kv []string) {
	if len(kv)%2 != 0 {
		panic("chart: odd attribute list")
	}
	for i := 0; i < len(kv); i += 2 {
		d.attr(kv[i], kv[i+1])
	}
}

// el writes a self-closing element.
func (d *doc) el(name string, kv ...string) {
	d.b.WriteByte('<')
	d.b.WriteString(name)
	d.attrs(kv)
	d.b.WriteString("/>\n")
}

// open writes a start tag; close must follow.
func (d *doc) open(name string, kv ...string) {
	d.b.WriteByte('<')
	d.b.WriteString(name)
	d.attrs(kv)
	d.b.WriteByte('>')
}

func (d *doc) close(name string) {
	d.b.WriteString("</")
	d.b.WriteString(name)
	d.b.WriteString(">\n")
}

// text writes a <text> element at (x, y), where y is the baseline.
func (d *doc) text(x, y float64, s string, kv ...string) {
	d.open("text", append([]string{"x", num(x), "y", num(y)}, kv...)...)
	d.b.WriteString(esc(s))
	d.close("text")
}

// label writes text that may have been shortened to fit: the visible text
// is short, and a <title> child carries the full text as a tooltip.
func (d *doc) label(x, y float64, full, shown string, kv ...string) {
	if full == shown {
		d.text(x, y, shown, kv...)
		return
	}
	d.open("text", append([]string{"x", num(x), "y", num(y)}, kv...)...)
	d.open("title")
	d.b.WriteString(esc(full))
	d.b.WriteString("</title>")
	d.b.WriteString(esc(shown))
	d.close("text")
}

func (d *doc) line(x1, y1, x2, y2 float64, kv ...string) {
	d.el("line", append([]string{"x1", num(x1), "y1", num(y1), "x2", num(x2), "y2", num(y2)}, kv...)...)
}

func (d *doc) rect(x, y, w, h float64, kv ...string) {
	d.el("rect", append([]string{"x", num(x), "y", num(y), "width", num(w), "height", num(h)}, kv...)...)
}

// hatch draws a rectangle filled with diagonal hatching and a dashed
// outline: the placeholder for a suppressed bar. The hatch lines are
// computed and clipped here rather than with an SVG <pattern>, because a
// pattern needs an id and ids clash when several charts share one page.
func (d *doc) hatch(x, y, w, h float64, kv ...string) {
	d.open("g", kv...)
	d.rect(x, y, w, h, "fill", paper, "stroke", "none")
	const gap = 5
	var p strings.Builder
	// Lines x' - x = (y' - y) + c, i.e. rising at 45 degrees, for c from
	// -h to w, clipped to the rectangle.
	for c := -h + gap/2.0; c < w; c += gap {
		// Bottom-left end: at y+h with offset c, or on the left edge.
		x1, y1 := x+c, y+h
		if c < 0 {
			x1, y1 = x, y+h+c
		}
		// Top-right end: at y with offset c+h, or on the right edge.
		x2, y2 := x+c+h, y
		if c+h > w {
			x2, y2 = x+w, y+h-(w-c)
		}
		p.WriteString("M" + num(x1) + " " + num(y1) + "L" + num(x2) + " " + num(y2))
	}
	d.el("path", "d", p.String(), "stroke", inkMuted, "stroke-width", "1", "fill", "none")
	d.rect(x, y, w, h, "fill", "none", "stroke", ink, "stroke-dasharray", "3 2")
	d.close("g")
}

func (d *doc) finish() string {
	d.b.WriteString("</svg>\n")
	return d.b.String()
}

// num formats a coordinate with at most two decimals: enough for screen
// and print, compact, and deterministic.
func num(v float64) string {
	v = math.Round(v*100) / 100
	if v == 0 {
		v = 0 // turns -0 into 0
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// esc escapes s for use in XML text or a double- or single-quoted
// attribute. Labels come from data files, so besides the five special
// characters it also replaces invalid UTF-8 and characters that XML 1.0
// forbids (most C0 controls) with U+FFFD, so the page always parses.
func esc(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == '&':
			b.WriteString("&amp;")
		case r == '<':
			b.WriteString("&lt;")
		case r == '>':
			b.WriteString("&gt;")
		case r == '"':
			b.WriteString("&#34;")
		case r == '\'':
			b.WriteString("&#39;")
		case r == utf8.RuneError && size == 1, !xmlChar(r):
			b.WriteRune('\uFFFD')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// xmlChar reports whether r may appear in an XML 1.0 document.
func xmlChar(r rune) bool {
	return r == '\t' || r == '\n' || r == '\r' ||
		r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD ||
		r >= 0x10000 && r <= 0x10FFFF
}

// textWidth estimates the rendered width of s in px.
func textWidth(s string, size float64) float64 {
	return float64(utf8.RuneCountInString(s)) * size * charWidth
}

// fit shortens s with an ellipsis so that it is at most maxW px wide.
func fit(s string, size, maxW float64) string {
	if textWidth(s, size) <= maxW {
		return s
	}
	n := int(maxW/(size*charWidth)) - 1
	if n < 1 {
		n = 1
	}
	r := []rune(s)
	if n >= len(r) {
		return s
	}
	return strings.TrimRight(string(r[:n]), " ") + "…"
}

// wrap breaks s into lines at most maxW px wide, at spaces. Notes are
// wrapped rather than shortened because their end matters as much as
// their start. A single word too long for a line is shortened.
func wrap(s string, size, maxW float64) []string {
	var lines []string
	line := ""
	for _, word := range strings.Fields(s) {
		switch {
		case line == "":
			line = word
		case textWidth(line+" "+word, size) <= maxW:
			line += " " + word
		default:
			lines = append(lines, fit(line, size, maxW))
			line = word
		}
	}
	if line != "" {
		lines = append(lines, fit(line, size, maxW))
	}
	return lines
}

// note draws wrapped small text with its first baseline at y and returns
// the baseline of the last line.
func (d *doc) note(x, y float64, lines []string) float64 {
	for i, l := range lines {
		if i > 0 {
			y += smallFont + 3
		}
		d.text(x, y, l, "font-size", strconv.Itoa(smallFont), "fill", ink)
	}
	return y
}

// emptyChart is drawn when there is nothing to plot, so that the report
// says so instead of showing a blank box.
func emptyChart(w, h float64, title, msg string) string {
	d := newDoc(w, h, title, title+": "+msg+".")
	d.text(12, 22, title, "font-size", strconv.Itoa(titleFont), "font-weight", "bold", "fill", ink)
	d.rect(12, 34, w-24, h-46, "fill", "none", "stroke", gridColor)
	d.text(w/2, 34+(h-46)/2+4, msg, "text-anchor", "middle", "fill", inkMuted)
	return d.finish()
}

// titleText draws the visible chart title; charts are often copied out of
// the report on their own, so the title travels with them.
func (d *doc) titleText(title string, w float64) {
	if title == "" {
		return
	}
	shown := fit(title, titleFont, w-24)
	d.label(12, 22, title, shown, "font-size", strconv.Itoa(titleFont), "font-weight", "bold", "fill", ink)
}

// size resolves the Width/Height fields: zero means the default, negative
// is an error, and anything smaller than min is raised to min so that the
// layout arithmetic never produces negative lengths.
func size(v, def, min int) (float64, bool) {
	switch {
	case v < 0:
		return 0, false
	case v == 0:
		return float64(def), true
	case v < min:
		return float64(min), true
	}
	return float64(v), true
}
