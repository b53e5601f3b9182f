package chart

import "math"

// shape is a marker shape. Series and groups are told apart by shape (and
// dash pattern) first, so that charts survive grey-scale printing and
// colour-blind readers; colour only reinforces the difference.
type shape int

const (
	circle shape = iota
	square
	triangle
	diamond
	triangleDown
	hexagon
	numShapes
)

// Every shape can be drawn open (white fill), which is how the line chart
// shows suppressed points, so there is deliberately no "cross" or "plus".

// seriesStyle is how the i-th series of a line or bar chart is drawn.
type seriesStyle struct {
	shape shape
	dash  string // SVG stroke-dasharray; "" is solid
	color string
	fill  string // bar fill
}

// Dash patterns cycle with a period (5) coprime to the number of shapes
// (6), so the first 30 series all differ in shape/dash combination.
var dashes = []string{"", "7 4", "2 3", "10 3 2 3", "4 2 1 2"}

// Line colours are dark enough (contrast at least 4.5:1 on white) to read
// as dark grey when printed; they come from the Okabe-Ito palette, which
// is distinguishable by the common forms of colour blindness.
var lineColors = []string{"#000000", "#0060a0", "#b04a00", "#00704f", "#8f3f71", "#595959"}

// Bar fills step through lightness so that they separate in grey scale.
// Every bar has a dark outline, so even the white fill reads as a bar.
var barFills = []string{"#1f3b73", "#9db9d8", "#ffffff", "#5a5a5a", "#d0d0d0", "#7f7f7f"}

func styleFor(i int) seriesStyle {
	return seriesStyle{
		shape: shape(i % int(numShapes)),
		dash:  dashes[i%len(dashes)],
		color: lineColors[i%len(lineColors)],
		fill:  barFills[i%len(barFills)],
	}
}

// marker draws shape s centred on (x, y) with "radius" r (half the width
// of the bounding box, adjusted so that shapes look about equally big).
func (d *doc) marker(s shape, x, y, r float64, fill, stroke string, kv ...string) {
	base := []string{"fill", fill, "stroke", stroke, "stroke-width", "1.5"}
	switch s {
	case circle:
		d.el("circle", append([]string{"cx", num(x), "cy", num(y), "r", num(r)}, append(base, kv...)...)...)
		return
	case square:
		a := r * 0.9
		d.el("rect", append([]string{"x", num(x - a), "y", num(y - a), "width", num(2 * a), "height", num(2 * a)}, append(base, kv...)...)...)
		return
	}
	var pts [][2]float64
	switch s {
	case triangle:
		a := r * 1.2
		pts = [][2]float64{{x, y - a}, {x + a, y + a*0.8}, {x - a, y + a*0.8}}
	case triangleDown:
		a := r * 1.2
		pts = [][2]float64{{x, y + a}, {x + a, y - a*0.8}, {x - a, y - a*0.8}}
	case diamond:
		a := r * 1.3
		pts = [][2]float64{{x, y - a}, {x + a, y}, {x, y + a}, {x - a, y}}
	default: // hexagon
		a := r * 1.1
		for k := 0; k < 6; k++ {
			t := math.Pi / 3 * float64(k)
			pts = append(pts, [2]float64{x + a*math.Cos(t), y + a*math.Sin(t)})
		}
	}
	d.el("path", append([]string{"d", polygon(pts)}, append(base, kv...)...)...)
}

// polygon returns the path data of a closed polygon.
func polygon(pts [][2]float64) string {
	s := ""
	for i, p := range pts {
		if i == 0 {
			s += "M"
		} else {
			s += "L"
		}
		s += num(p[0]) + " " + num(p[1])
	}
	return s + "Z"
}
