package chart

import (
	"math"
	"slices"
	"testing"
)

func TestNiceTicks(t *testing.T) {
	tests := []struct {
		name   string
		lo, hi float64
		max    int
		want   []string // exact labels, when the case pins them down
	}{
		{name: "progress 8 range", lo: -0.83, hi: 0.41, max: 6, want: []string{"-1", "-0.5", "0", "0.5"}},
		{name: "percentages", lo: 0, hi: 97, max: 6, want: []string{"0", "20", "40", "60", "80", "100"}},
		{name: "reversed arguments", lo: 0.41, hi: -0.83, max: 6, want: []string{"-1", "-0.5", "0", "0.5"}},
		{name: "tenths not 0.30000000000000004", lo: 0.1, hi: 0.7, max: 8, want: []string{"0.1", "0.2", "0.3", "0.4", "0.5", "0.6", "0.7"}},
		{name: "all equal", lo: 45, hi: 45, max: 6},
		{name: "all zero", lo: 0, hi: 0, max: 6, want: []string{"-1", "-0.5", "0", "0.5", "1"}},
		{name: "all equal negative", lo: -3, hi: -3, max: 6},
		{name: "tiny values", lo: 0.0012, hi: 0.0047, max: 6},
		{name: "large counts", lo: 0, hi: 1234567, max: 7},
		{name: "two ticks allowed", lo: 3, hi: 97, max: 2, want: []string{"0", "100"}},
		{name: "max below two is raised", lo: 3, hi: 97, max: 0, want: []string{"0", "100"}},
		{name: "exact tick ends", lo: -1, hi: 1, max: 5, want: []string{"-1", "-0.5", "0", "0.5", "1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tk := niceTicks(tt.lo, tt.hi, tt.max)
			var labels []string
			for _, v := range tk.vals {
				labels = append(labels, tk.label(v))
			}
			if tt.want != nil && !slices.Equal(labels, tt.want) {
				t.Fatalf("niceTicks(%v, %v, %d) = %v, want %v", tt.lo, tt.hi, tt.max, labels, tt.want)
			}
			lo, hi := min(tt.lo, tt.hi), max(tt.lo, tt.hi)
			if len(tk.vals) < 2 || len(tk.vals) > max(tt.max, 2) {
				t.Errorf("got %d ticks %v, want 2..%d", len(tk.vals), labels, tt.max)
			}
			if tk.first() > lo || tk.last() < hi {
				t.Errorf("ticks %v do not enclose [%v, %v]", labels, lo, hi)
			}
			if lo == hi && (tk.first() == lo || tk.last() == hi) {
				t.Errorf("equal values %v should sit inside the axis, got %v", lo, labels)
			}
			// The step must be 1, 2 or 5 times a power of ten.
			step := tk.vals[1] - tk.vals[0]
			m := step / math.Pow10(int(math.Floor(math.Log10(step)+1e-9)))
			if !(near(m, 1) || near(m, 2) || near(m, 5)) {
				t.Errorf("step %v is not nice (mantissa %v)", step, m)
			}
			if slices.Contains(labels, "-0") {
				t.Errorf("labels %v contain -0", labels)
			}
		})
	}
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-6 }

func TestAutoFormat(t *testing.T) {
	tests := []struct {
		name string
		vals []float64 // the chart's values, which set the decimals
		v    float64
		want string
	}{
		{"integers", []float64{45, 12}, 45, "45"},
		{"same decimals for all", []float64{21.4, 22}, 22, "22.0"},
		{"at most two decimals", []float64{-0.12345}, -0.12345, "-0.12"},
		{"two decimals", []float64{0.12, 0.5}, 0.5, "0.50"},
		{"negative zero", []float64{1.5}, math.Copysign(0, -1), "0.0"},
		{"zero stays zero", []float64{0}, 0, "0"},
		{"small negative not shown as zero", []float64{12.5, -0.004}, -0.004, "-0.004"},
		{"small not shown as zero", []float64{0.0012345}, 0.0012345, "0.00123"},
		{"large", []float64{1234567}, 1234567, "1234567"},
		{"float noise ignored", []float64{0.1 + 0.2}, 0.1 + 0.2, "0.3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := autoFormat(tt.vals)(tt.v); got != tt.want {
				t.Errorf("autoFormat(%v)(%v) = %q, want %q", tt.vals, tt.v, got, tt.want)
			}
		})
	}
}

func TestEsc(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"specials", `St Mary's <Primary> & Co "A"`, "St Mary&#39;s &lt;Primary&gt; &amp; Co &#34;A&#34;"},
		{"unicode kept", "Ysgol Gymraeg Bro Dinefwr – Llandeilo", "Ysgol Gymraeg Bro Dinefwr – Llandeilo"},
		{"control chars replaced", "a\x00b\x1bc", "a\uFFFDb\uFFFDc"},
		{"invalid utf-8 replaced", "caf\xe9", "caf\uFFFD"},
		{"tab and newline kept", "a\tb\nc", "a\tb\nc"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := esc(tt.in); got != tt.want {
				t.Errorf("esc(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestCategories(t *testing.T) {
	tests := []struct {
		name   string
		series [][]string
		want   []string
	}{
		{"same years", [][]string{{"a", "b", "c"}, {"a", "b", "c"}}, []string{"a", "b", "c"}},
		{"gap filled in place", [][]string{{"2016", "2017", "2019"}, {"2016", "2017", "2018", "2019"}}, []string{"2016", "2017", "2018", "2019"}},
		{"later start", [][]string{{"2018", "2019"}, {"2016", "2017", "2018"}}, []string{"2016", "2017", "2018", "2019"}},
		{"empty series", [][]string{{}, {"x"}}, []string{"x"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var ss []Series
			for _, xs := range tt.series {
				var s Series
				for _, x := range xs {
					s.Points = append(s.Points, XY{X: x, Y: new(1.0)})
				}
				ss = append(ss, s)
			}
			if got := categories(ss); !slices.Equal(got, tt.want) {
				t.Errorf("categories = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestFit(t *testing.T) {
	long := "St Mary's Church of England Voluntary Aided Primary School"
	got := fit(long, fontSize, 120)
	if textWidth(got, fontSize) > 120 || []rune(got)[len([]rune(got))-1] != '…' {
		t.Errorf("fit(%q) = %q, want at most 120px ending in an ellipsis", long, got)
	}
	if got := fit("Short", fontSize, 120); got != "Short" {
		t.Errorf("fit(Short) = %q", got)
	}
}

func TestWrap(t *testing.T) {
	tests := []struct {
		name string
		in   string
		maxW float64
		want []string
	}{
		{"fits", "a b c", 100, []string{"a b c"}},
		{"wraps at spaces", "aaaa bbbb cccc", 70, []string{"aaaa bbbb", "cccc"}},
		{"long word shortened", "aaaaaaaaaaaaaaaaaaaa b", 70, []string{"aaaaaaaaa…", "b"}},
		{"empty", "", 100, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := wrap(tt.in, smallFont, tt.maxW); !slices.Equal(got, tt.want) {
				t.Errorf("wrap(%q, %v) = %q, want %q", tt.in, tt.maxW, got, tt.want)
			}
		})
	}
}
