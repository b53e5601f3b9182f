package synth

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strconv"
	"time"
)

var terms = [3]string{"Autumn", "Spring", "Summer"}

// termFactor makes spring, the winter-illness term, the worst for absence.
var termFactor = [3]float64{0.85, 1.15, 1.0}

// postStart reports whether school s is a SEND Triads school in a year of
// the programme.
func (g *generator) postStart(s *school, yi int) bool { return s.triad && yi >= g.startIdx }

// absenceRate returns a pupil's expected overall absence rate (percent of
// possible sessions) for year index yi, and the rate the pupil would have
// had without the programme.
func (g *generator) absenceRate(r *rand.Rand, p *pupil, yi int) (rate, counterfactual float64) {
	year := g.year(yi)
	e := &g.eff
	// Skewed baseline: log-normal with a persistent pupil part and a
	// yearly part, median about 2.6%, plus a small group of severe
	// absentees.
	base := 2.6 * p.school.absMult * math.Exp(0.75*p.absZ+0.35*r.NormFloat64())
	severe := 0.004
	d := p.disadvantaged(year)
	if d {
		severe *= 2
	}
	if p.sen != 'N' {
		severe *= 2
	}
	if r.Float64() < severe {
		base = 50 + 40*r.Float64()
	}
	cf := base + e.AbsenceTrendPPPerYear*float64(yi)
	if d {
		cf += e.AbsenceDisadvantagedPP
	}
	switch p.sen {
	case 'K':
		cf += e.AbsenceSENSupportPP
	case 'E':
		cf += e.AbsenceEHCPPP
	}
	if p.school.Phase == PhaseSecondary {
		cf += e.AbsenceSecondaryPP
	}
	if p.school.triad {
		cf += e.ProgrammeSchoolsBaselinePP
	}
	cf = math.Min(cf, 100)
	rate = cf
	if g.postStart(p.school, yi) {
		rate = math.Max(0, cf+g.truth.Programme.AbsencePP)
	}
	return rate, cf
}

// writeAttendance writes one row per pupil per term for year index yi.
func (g *generator) writeAttendance(yi int, roll []*pupil) error {
	year := g.year(yi)
	r := g.stream("attendance", yi)
	t := &table{source: SourceAttendance, rel: fmt.Sprintf("attendance/attendance_%d.csv", year+1)}
	keys := []string{"UPN", "LAESTAB", "AcademicYear", "Term", "SessionsPossible", "SessionsAuthorised", "SessionsUnauthorised"}
	t.header = keys
	t.setColumns(keys)
	ay := academicYear(year, "/")
	var poss, diff float64 // for the realised programme effect
	for _, p := range roll {
		rate, cf := g.absenceRate(r, p, yi)
		d := p.disadvantaged(year)
		total := 0
		for ti := range terms {
			possible := p.school.possible[yi][ti]
			if ti == 0 && p.joinedYi == yi && p.lateJoin > 0 {
				possible = max(10, possible-p.lateJoin)
			}
			total += possible
			f := termFactor[ti] * (0.6 + 0.8*r.Float64())
			absent := iround(clamp(float64(possible)*rate*f/100, 0, float64(possible)))
			u := 0.2 + 0.05*r.NormFloat64()
			if d {
				u += 0.1
			}
			if rate > 15 {
				u += 0.15
			}
			unauth := iround(float64(absent) * clamp(u, 0, 1))
			t.rows = append(t.rows, []string{p.upn, itoa(p.school.LAESTAB), ay, terms[ti],
				itoa(possible), itoa(absent - unauth), itoa(unauth)})
			t.protect = append(t.protect, temporaryUPN(p.upn))
		}
		if g.postStart(p.school, yi) {
			poss += float64(total)
			diff += float64(total) * (rate - cf)
		}
	}
	g.realisedPoss += poss
	g.realisedDiff += diff
	if g.realisedPoss > 0 {
		g.truth.Programme.RealisedAbsencePP = g.realisedDiff / g.realisedPoss
	}

	pc, ac, uc := t.col("SessionsPossible"), t.col("SessionsAuthorised"), t.col("SessionsUnauthorised")
	t.spoil(g.stream("attendance-defects", yi), g.cfg.BadRowRate, []defect{
		{kind: "absence_exceeds_possible", quarantine: true, apply: func(r *rand.Rand, row []string) {
			p, _ := strconv.Atoi(row[pc])
			u, _ := strconv.Atoi(row[uc])
			row[ac] = itoa(p - u + 1 + r.IntN(10))
		}},
		{kind: "negative_sessions", quarantine: true, apply: func(r *rand.Rand, row []string) {
			c := []int{ac, uc}[r.IntN(2)]
			row[c] = itoa(-1 - r.IntN(8))
		}},
	})
	return g.emit(t, csvOptions{crlf: true})
}

// exclusion is one suspension or permanent exclusion before it is written.
type exclusion struct {
	school *school
	start  time.Time
	row    []string
}

// Reason codes in use before 2020/21, with rough national shares.
var exclusionReasons = []choice{
	{"DB", 32}, {"VA", 18}, {"PA", 12}, {"PP", 12}, {"OT", 10}, {"VP", 8},
	{"DA", 2.5}, {"DM", 2}, {"BU", 1.3}, {"TH", 0.8}, {"RA", 0.8}, {"SM", 0.6},
}

var suspensionLength = []choice{
	{"1", 10}, {"2", 40}, {"3", 10}, {"4", 15}, {"5", 5}, {"6", 8}, {"7", 2}, {"8", 4}, {"9", 1}, {"10", 5},
}

// suspensionMultiplier is the product of the pupil and school multipliers
// on expected suspensions (see Effects).
func (g *generator) suspensionMultiplier(p *pupil, yi int) float64 {
	e := &g.eff
	m := p.school.suspMult * math.Pow(e.SuspensionTrendPerYear, float64(yi))
	if p.disadvantaged(g.year(yi)) {
		m *= e.SuspensionDisadvantaged
	}
	switch p.sen {
	case 'K':
		m *= e.SuspensionSENSupport
	case 'E':
		m *= e.SuspensionEHCP
	}
	if g.postStart(p.school, yi) {
		m *= g.truth.Programme.SuspensionMultiplier
	}
	return m
}

// writeExclusions writes the suspensions (FIXD in the first two years, as
// the legacy code was), permanent exclusions and lunchtime exclusions of
// year index yi.
func (g *generator) writeExclusions(yi int, roll []*pupil) error {
	year := g.year(yi)
	r := g.stream("exclusions", yi)
	t := &table{source: SourceExclusions, rel: fmt.Sprintf("exclusions/exclusions_%d.csv", year+1)}
	keys := []string{"UPN", "LAESTAB", "Category", "StartDate", "Sessions", "Reason1", "Reason2", "Reason3"}
	t.header = keys
	t.setColumns(keys)
	susp := "SUSP"
	if yi < 2 {
		susp = "FIXD"
	}
	var ex []exclusion
	add := func(p *pupil, cat, sessions string) {
		reasons := [3]string{pick(r, exclusionReasons)}
		if r.IntN(10) == 0 {
			for reasons[1] = reasons[0]; reasons[1] == reasons[0]; reasons[1] = pick(r, exclusionReasons) {
			}
			if r.IntN(5) == 0 {
				for reasons[2] = reasons[0]; reasons[2] == reasons[0] || reasons[2] == reasons[1]; reasons[2] = pick(r, exclusionReasons) {
				}
			}
		}
		d := schoolDay(r, year)
		ex = append(ex, exclusion{p.school, d, []string{p.upn, itoa(p.school.LAESTAB), cat, ukDate(d), sessions,
			reasons[0], reasons[1], reasons[2]}})
	}
	for _, p := range roll {
		base, permBase := 0.05, 0.0012
		switch p.school.Phase {
		case PhasePrimary:
			base, permBase = 0.008, 0.0002
		case PhaseSpecial:
			base, permBase = 0.06, 0.0005
		}
		m := g.suspensionMultiplier(p, yi)
		lambda := base * p.suspP * m
		for n := poisson(r, lambda); n > 0; n-- {
			add(p, susp, pick(r, suspensionLength))
		}
		for n := poisson(r, 0.03*lambda); n > 0; n-- {
			add(p, "LNCH", "1")
		}
		if r.Float64() < permBase*m*math.Sqrt(p.suspP) {
			add(p, "PERM", "")
			p.moveNext = true
		}
	}
	sort.SliceStable(ex, func(i, j int) bool {
		a, b := ex[i], ex[j]
		switch {
		case a.school.LAESTAB != b.school.LAESTAB:
			return a.school.LAESTAB < b.school.LAESTAB
		case !a.start.Equal(b.start):
			return a.start.Before(b.start)
		}
		return a.row[0] < b.row[0]
	})
	for _, e := range ex {
		t.rows = append(t.rows, e.row)
		t.protect = append(t.protect, temporaryUPN(e.row[0]))
	}
	cat, sd := t.col("Category"), t.col("StartDate")
	t.spoil(g.stream("exclusions-defects", yi), g.cfg.BadRowRate, []defect{
		{kind: "unknown_category", quarantine: true, apply: func(r *rand.Rand, row []string) {
			row[cat] = []string{"TEMP", "XX", "UNK"}[r.IntN(3)]
		}},
		{kind: "bad_start_date", quarantine: true, apply: func(r *rand.Rand, row []string) {
			y := []int{1899, 1900, 2099, 3015}[r.IntN(4)]
			row[sd] = fmt.Sprintf("%02d/%02d/%d", 1+r.IntN(28), 1+r.IntN(12), y)
		}},
	})
	return g.emit(t, csvOptions{})
}

// schoolDay draws a weekday in term time of the academic year starting in
// year, avoiding the Christmas and Easter holidays.
func schoolDay(r *rand.Rand, year int) time.Time {
	first := date(year, time.September, 4)
	last := date(year+1, time.July, 21)
	days := int(last.Sub(first).Hours()/24) + 1
	for {
		d := first.AddDate(0, 0, r.IntN(days))
		switch {
		case d.Weekday() == time.Saturday || d.Weekday() == time.Sunday:
		case d.Month() == time.December && d.Day() > 19, d.Month() == time.January && d.Day() < 4:
		case d.Month() == time.April && d.Day() < 15:
		default:
			return d
		}
	}
}

// poisson draws from a Poisson distribution with small mean lambda.
func poisson(r *rand.Rand, lambda float64) int {
	if lambda <= 0 {
		return 0
	}
	l, k, p := math.Exp(-lambda), 0, 1.0
	for {
		p *= r.Float64()
		if p <= l {
			return k
		}
		k++
	}
}
