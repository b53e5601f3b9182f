package synth

import (
	"math"
	"math/rand/v2"
	"sort"
	"time"
)

// neverFSM marks a pupil never known to be eligible for free school meals.
const neverFSM = -10000

// pupil is one child with the hidden traits that drive their outcomes. Its
// state (school, year group, SEN, FSM) is the state at the current year's
// census; advance moves it on a year.
type pupil struct {
	upn      string
	surname  string
	forename string
	gender   byte
	dob      time.Time
	eth      string
	lang     string
	postcode string

	a     float64 // latent attainment, N(0,1), independent of everything else
	absZ  float64 // persistent absence propensity, N(0,1)
	suspP float64 // persistent suspension propensity, mean 1

	sen     byte   // 'N', 'K' or 'E'
	need    string // primary need when sen is K or E
	fsm     bool
	lastFSM int // first calendar year of the last academic year eligible for FSM
	lac     bool
	adopted bool

	school   *school
	nc       int // 0 is reception
	active   bool
	joinedYi int // academic year index the pupil joined the LA, -1 if on roll at the start
	lateJoin int // sessions of the joining autumn term missed by joining late
	moveNext bool

	ks2Read, ks2Mat int // KS2 scaled scores if the pupil sat them here, else 0
}

// ever6 reports EverFSM6 at the census of the academic year starting in
// year: eligible at some point in that year or the five before.
func (p *pupil) ever6(year int) bool { return p.fsm || p.lastFSM >= year-5 }

// disadvantaged follows the DfE definition: EverFSM6, looked after, or
// adopted from care.
func (p *pupil) disadvantaged(year int) bool { return p.ever6(year) || p.lac || p.adopted }

// origin says where a new pupil's UPN was issued.
type origin int

const (
	fromLA    origin = iota // issued by one of the LA's schools
	fromOther               // issued in another LA
)

// newPupil creates a pupil entering school s in year group nc in academic
// year index yi.
func (g *generator) newPupil(r *rand.Rand, s *school, nc, yi int, from origin) *pupil {
	year := g.year(yi)
	p := &pupil{school: s, nc: nc, active: true, joinedYi: yi, lastFSM: neverFSM}
	if r.IntN(100) < 49 {
		p.gender = 'F'
	} else {
		p.gender = 'M'
	}
	p.eth = pick(r, ethnicities)
	p.lang = firstLanguage(r, p.eth)
	p.surname, p.forename = pupilName(r, p.eth, p.gender)
	p.postcode = postcode(r)
	// Reception starts in the September after the fourth birthday: a pupil
	// in year group nc started reception in entry and was born between
	// 1 September entry-5 and 31 August entry-4.
	entry := year - nc
	p.dob = date(entry-5, time.September, 1).AddDate(0, 0, r.IntN(365))
	p.a = r.NormFloat64()
	p.absZ = -0.3*p.a + math.Sqrt(0.91)*r.NormFloat64()
	p.suspP = math.Exp(0.9*r.NormFloat64() - 0.405)

	// Draw the pupil's status as it was on entry to reception, then age it
	// year by year to the present, so that older year groups carry the
	// FSM history and SEN prevalence that their age implies.
	if r.Float64() < 0.18 {
		p.fsm, p.lastFSM = true, entry
	}
	switch x := r.Float64(); {
	case x < 0.004:
		p.lac = true
	case x < 0.007:
		p.adopted = true
	}
	p.sen = 'N'
	pK, pE := 0.07, 0.008
	if p.disadvantaged(entry) {
		pK, pE = pK*1.6, pE*1.3
	} else {
		pK, pE = pK*0.85, pE*0.9
	}
	switch x := r.Float64(); {
	case x < pE:
		p.sen = 'E'
	case x < pE+pK:
		p.sen = 'K'
	}
	if p.sen != 'N' {
		p.need = needFor(r, p.sen)
	}
	for y := entry + 1; y <= year; y++ {
		g.changeStatus(r, p, y, false)
	}
	if s.Phase == PhaseSpecial {
		p.sen = 'E'
		if r.IntN(20) == 0 {
			p.sen = 'K'
		}
		p.need = needFor(r, p.sen)
	}

	temp := r.IntN(200) == 0
	if from == fromOther {
		la := g.cfg.LACode
		for la == g.cfg.LACode {
			la = otherLAs[r.IntN(len(otherLAs))].code
		}
		p.upn = g.issueUPN(r, la, 2001+r.IntN(1999), entry, temp)
	} else {
		issuer := s
		if s.Phase == PhaseSecondary {
			issuer = pickSchool(r, g.primary)
		}
		p.upn = g.issueUPN(r, g.cfg.LACode, issuer.EstablishmentNumber, entry, temp)
	}
	g.pupils = append(g.pupils, p)
	return p
}

// cohort is the size of one mainstream year group across the LA, and
// specialRoll the pupils in special schools.
func (g *generator) cohort() (int, int) {
	special := iround(0.012 * float64(g.cfg.Pupils))
	return (g.cfg.Pupils - special) / 12, special
}

// initialRoll fills the schools for the first year.
func (g *generator) initialRoll() {
	r := g.pop
	c, special := g.cohort()
	for nc := 0; nc <= 11; nc++ {
		list := g.primary
		if nc >= 7 {
			list = g.second
		}
		n := iround(float64(c) * (1 + 0.02*r.NormFloat64()))
		for i := 0; i < n; i++ {
			p := g.newPupil(r, pickSchool(r, list), nc, 0, fromLA)
			p.joinedYi = -1
		}
	}
	// Special schools: older year groups are larger, as more needs are
	// identified with age.
	wsum := 0.0
	for nc := 0; nc <= 11; nc++ {
		wsum += 1 + 0.3*float64(nc)
	}
	for nc := 0; nc <= 11; nc++ {
		n := iround(float64(special) * (1 + 0.3*float64(nc)) / wsum)
		for i := 0; i < n; i++ {
			s := g.special[i%len(g.special)]
			p := g.newPupil(r, s, nc, 0, fromLA)
			p.joinedYi = -1
			s.target++
		}
	}
}

// advance moves the population on from academic year index yi-1 to yi:
// Year 11 leave, Year 6 move to secondary schools, some pupils move school
// or leave the LA, statuses change, special schools refill, a new
// reception cohort arrives and in-migrants replace leavers.
func (g *generator) advance(yi int) {
	r := g.pop
	year := g.year(yi)
	left := 0
	for _, p := range g.pupils {
		if !p.active {
			continue
		}
		p.lateJoin = 0
		if p.nc == 11 {
			p.active = false
			continue
		}
		if p.school.Phase != PhaseSpecial && r.Float64() < 0.02 {
			p.active = false
			left++
			continue
		}
		p.nc++
		switch {
		case p.school.Phase == PhasePrimary && p.nc == 7:
			if r.Float64() < 0.04 { // independent school or another LA
				p.active = false
				left++
				continue
			}
			if r.Float64() < 0.8 {
				p.school = p.school.feeder
			} else {
				p.school = pickSchool(r, g.second)
			}
		case p.moveNext || (p.school.Phase != PhaseSpecial && r.Float64() < 0.03):
			p.school = otherSchool(r, g.phaseList(p.school.Phase), p.school)
		}
		p.moveNext = false
		g.changeStatus(r, p, year, p.school.Phase == PhaseSpecial)
	}

	// Special schools take a small reception intake and otherwise refill
	// with mainstream pupils who have EHC plans.
	c, _ := g.cohort()
	for _, s := range g.special {
		n := 0
		for _, p := range g.pupils {
			if p.active && p.school == s {
				n++
			}
		}
		intake := max(1, s.target/14)
		for i := 0; i < intake && n < s.target; i++ {
			g.newPupil(r, s, 0, yi, fromLA)
			n++
		}
		var cands []*pupil
		for _, p := range g.pupils {
			if p.active && p.sen == 'E' && p.school.Phase != PhaseSpecial && p.nc >= 1 && p.nc <= 10 {
				cands = append(cands, p)
			}
		}
		r.Shuffle(len(cands), func(i, j int) { cands[i], cands[j] = cands[j], cands[i] })
		for _, p := range cands {
			if n >= s.target {
				break
			}
			p.school = s
			n++
		}
	}

	// New reception cohort.
	n := iround(float64(c) * (1 + 0.02*r.NormFloat64()))
	for i := 0; i < n; i++ {
		g.newPupil(r, pickSchool(r, g.primary), 0, yi, fromLA)
	}
	// In-migrants replace pupils who left the LA; some arrive during the
	// autumn term and so have fewer possible sessions.
	for i := 0; i < left; i++ {
		nc := 1 + r.IntN(10)
		from := fromOther
		if r.Float64() < 0.35 {
			from = fromLA
		}
		p := g.newPupil(r, pickSchool(r, g.phaseList(phaseOf(nc))), nc, yi, from)
		if r.Float64() < 0.4 {
			p.lateJoin = 6 + r.IntN(95)
		}
	}
}

// changeStatus applies a year's changes of FSM, care and SEN status. The
// SEN status of pupils in special schools is left alone.
func (g *generator) changeStatus(r *rand.Rand, p *pupil, year int, special bool) {
	if p.fsm {
		p.fsm = r.Float64() >= 0.12
	} else {
		p.fsm = r.Float64() < 0.03
	}
	if p.fsm {
		p.lastFSM = year
	}
	switch {
	case p.lac && r.Float64() < 0.10:
		p.lac = false
	case !p.lac && !p.adopted && r.Float64() < 0.0008:
		p.lac = true
	}
	if special {
		return
	}
	old := p.sen
	x := r.Float64()
	switch p.sen {
	case 'N':
		f := 0.85
		if p.disadvantaged(year) {
			f = 1.6
		}
		switch {
		case x < 0.001:
			p.sen = 'E'
		case x < 0.001+0.026*f:
			p.sen = 'K'
		}
	case 'K':
		switch {
		case x < 0.13:
			p.sen = 'N'
		case x < 0.138:
			p.sen = 'E'
		}
	case 'E':
		if x < 0.01 {
			p.sen = 'K'
		}
	}
	switch {
	case p.sen == 'N':
		p.need = ""
	case p.sen != old && (old == 'N' || r.Float64() < 0.4):
		p.need = needFor(r, p.sen)
	}
}

// phaseOf returns the mainstream phase of year group nc.
func phaseOf(nc int) string {
	if nc >= 7 {
		return PhaseSecondary
	}
	return PhasePrimary
}

func (g *generator) phaseList(phase string) []*school {
	switch phase {
	case PhasePrimary:
		return g.primary
	case PhaseSecondary:
		return g.second
	}
	return g.special
}

// roll returns the pupils on roll this year, ordered as an LA extract is:
// by school, then surname, forename and UPN.
func (g *generator) roll() []*pupil {
	var out []*pupil
	for _, p := range g.pupils {
		if p.active {
			out = append(out, p)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		switch {
		case a.school.LAESTAB != b.school.LAESTAB:
			return a.school.LAESTAB < b.school.LAESTAB
		case a.surname != b.surname:
			return a.surname < b.surname
		case a.forename != b.forename:
			return a.forename < b.forename
		}
		return a.upn < b.upn
	})
	return out
}

// latent returns the pupil's latent attainment in the academic year
// starting in year (see Effects).
func (g *generator) latent(p *pupil, year int) float64 {
	l := p.a + p.school.attEff
	if p.disadvantaged(year) {
		l += g.eff.Disadvantaged
	}
	switch p.sen {
	case 'K':
		l += g.eff.SENSupport
	case 'E':
		l += g.eff.EHCP
	}
	return l
}
