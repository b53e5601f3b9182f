package chart

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// ticks is a set of "nice" axis tick values: multiples of a step that is
// 1, 2 or 5 times a power of ten, which readers can interpolate between
// without arithmetic.
type ticks struct {
	vals []float64
	dec  int // decimals needed to print every tick exactly
}

// niceTicks returns at most max (at least 2) nice ticks whose first and last
// values enclose [lo, hi]. The chart's axis then spans exactly from the
// first to the last tick, so the axis ends are labelled.
//
// When lo == hi (all values equal) the range is widened around the value
// so that the axis still has a sensible scale and the value sits in the
// middle instead of on an edge.
func niceTicks(lo, hi float64, max int) ticks {
	if max < 2 {
		max = 2
	}
	if lo > hi {
		lo, hi = hi, lo
	}
	if lo == hi {
		pad := math.Abs(lo) * 0.1
		if pad == 0 {
			pad = 1
		}
		lo, hi = lo-pad, hi+pad
	}
	span := hi - lo
	if math.IsInf(span, 0) || span < 1e-300 {
		// Only reachable with values near ±MaxFloat64 or subnormal spans,
		// where powers of ten overflow; just label the ends.
		return ticks{vals: []float64{lo, hi}, dec: -1}
	}
	// Start one decade below the step that would give max intervals and
	// try 1, 2, 5 × 10^exp upwards until the ticks fit.
	exp := int(math.Floor(math.Log10(span/float64(max-1)))) - 1
	for ; ; exp++ {
		for _, m := range []int64{1, 2, 5} {
			step := float64(m) * math.Pow10(exp)
			// The small tolerance stops values such as 0.30000000000000004
			// from pushing the axis out by a whole step.
			a := int64(math.Floor(lo/step + 1e-9))
			b := int64(math.Ceil(hi/step - 1e-9))
			if b-a+1 > int64(max) {
				continue
			}
			t := ticks{dec: 0}
			if exp < 0 {
				t.dec = -exp
			}
			for k := a; k <= b; k++ {
				t.vals = append(t.vals, tickValue(k*m, exp))
			}
			return t
		}
	}
}

// tickValue returns n × 10^exp, dividing for negative exponents so that
// e.g. 3 × 10^-1 is exactly the float64 nearest 0.3, not 0.30000000000000004.
func tickValue(n int64, exp int) float64 {
	if exp < 0 {
		return float64(n) / math.Pow10(-exp)
	}
	return float64(n) * math.Pow10(exp)
}

// label formats a tick value with the axis's number of decimals.
func (t ticks) label(v float64) string {
	if t.dec < 0 {
		return trimZero(strconv.FormatFloat(v, 'g', 3, 64))
	}
	// Trailing zeros are dropped ("-1", "-0.5", "0"): shorter labels
	// that say the same thing.
	s := strconv.FormatFloat(v, 'f', t.dec, 64)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return trimZero(s)
}

// first and last are the axis domain.
func (t ticks) first() float64 { return t.vals[0] }
func (t ticks) last() float64  { return t.vals[len(t.vals)-1] }

// scale maps data values in [d0, d1] linearly to pixels in [r0, r1].
type scale struct {
	d0, d1, r0, r1 float64
}

func (s scale) at(v float64) float64 {
	if s.d1 == s.d0 {
		return (s.r0 + s.r1) / 2
	}
	return s.r0 + (v-s.d0)/(s.d1-s.d0)*(s.r1-s.r0)
}

// extent tracks the range of the values seen.
type extent struct {
	lo, hi float64
	n      int
}

func (e *extent) add(v float64) {
	if e.n == 0 || v < e.lo {
		e.lo = v
	}
	if e.n == 0 || v > e.hi {
		e.hi = v
	}
	e.n++
}

// tickCount is how many ticks fit along an axis of length px when each
// tick needs about gap px.
func tickCount(px, gap float64) int {
	n := int(px / gap)
	if n < 3 {
		n = 3
	}
	if n > 11 {
		n = 11
	}
	return n
}

// autoFormat returns the default format for a chart's values: the fewest
// decimals, at most two, that show every value in vals as given, used for
// all of them so that printed figures line up and compare (21.4 and 22.0,
// not 21.4 and 22). A non-zero value that would round to zero is printed
// to three significant figures instead, because "0" next to a bar or
// point would claim a value that is not there.
func autoFormat(vals []float64) func(float64) string {
	dec := 0
	for _, v := range vals {
		for dec < 2 && math.Abs(v-roundTo(v, dec)) > 1e-9*max(1, math.Abs(v)) {
			dec++
		}
	}
	return func(v float64) string {
		if v != 0 && roundTo(v, dec) == 0 {
			return strconv.FormatFloat(v, 'g', 3, 64)
		}
		return trimZero(strconv.FormatFloat(v, 'f', dec, 64))
	}
}

// roundTo rounds v to dec decimals.
func roundTo(v float64, dec int) float64 {
	p := math.Pow10(dec)
	return math.Round(v*p) / p
}

// trimZero turns "-0" (and "-0.0" etc.) into the unsigned form: a minus
// sign on zero suggests a value that is not there.
func trimZero(s string) string {
	if strings.HasPrefix(s, "-") && strings.Trim(s[1:], "0.") == "" {
		return s[1:]
	}
	return s
}

// formatter returns f, or the default format for vals when f is nil.
func formatter(f func(float64) string, vals []float64) func(float64) string {
	if f == nil {
		return autoFormat(vals)
	}
	return f
}

// finite returns an error naming what if v is NaN or infinite. Such a
// value in the warehouse is a bug upstream, and drawing it would either
// break the layout or show a number that does not exist.
func finite(v float64, what string) error {
	if math.IsNaN(v) {
		return fmt.Errorf("chart: %s is NaN", what)
	}
	if math.IsInf(v, 0) {
		return fmt.Errorf("chart: %s is infinite", what)
	}
	return nil
}

// countLabel returns "1 thing" or "n things".
func countLabel(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

// listWords joins items as "a, b and c".
func listWords(items []string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}
