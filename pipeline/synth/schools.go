package synth

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Phases of education, as recorded in Truth.
const (
	PhasePrimary   = "Primary"
	PhaseSecondary = "Secondary"
	PhaseSpecial   = "Special"
)

// Programme names as they appear in the interventions register.
const (
	ProgrammeName = "SEND Triads"
	PlaceboName   = "Placebo Pairs"
)

// school is one establishment with the hidden traits that drive its pupils'
// outcomes.
type school struct {
	School
	typ      string // TypeOfEstablishment (name)
	open     time.Time
	lowAge   int
	highAge  int
	postcode string

	weight   float64 // relative size within its phase
	attEff   float64 // effect on latent attainment, SD
	absMult  float64 // multiplies pupils' baseline absence
	suspMult float64 // multiplies pupils' expected suspensions
	feeder   *school // the secondary most of a primary's Year 6 move to
	target   int     // roll a special school is kept at

	triad    bool // in SEND Triads
	placebo  bool // in Placebo Pairs
	possible [][3]int
}

// group is a triad or pair of schools; the first school of a triad coaches.
type group struct {
	id      string
	schools []*school
	coach   bool
}

// otherLAs are the neighbouring LAs whose schools appear in the
// establishments file.
var otherLAs = []struct {
	code int
	name string
}{{852, "Northshire"}, {855, "Southmoor"}, {860, "Eastvale"}, {886, "Westdale"}, {935, "Riverby"}, {370, "Lowfield"}}

// buildSchools creates the LA's schools and five schools in other LAs.
func (g *generator) buildSchools() {
	r := g.stream("schools", 0)
	nPrim := int(math.Round(0.8 * float64(g.cfg.Schools)))
	nSpec := 2
	nSec := g.cfg.Schools - nPrim - nSpec

	// Phases in URN order: URNs are issued over time, not by phase.
	const other = "Other"
	phases := make([]string, 0, g.cfg.Schools+5)
	for i := 0; i < nPrim; i++ {
		phases = append(phases, PhasePrimary)
	}
	for i := 0; i < nSec; i++ {
		phases = append(phases, PhaseSecondary)
	}
	for i := 0; i < nSpec; i++ {
		phases = append(phases, PhaseSpecial)
	}
	for i := 0; i < 5; i++ {
		phases = append(phases, other)
	}
	r.Shuffle(len(phases), func(i, j int) { phases[i], phases[j] = phases[j], phases[i] })

	nm := newNamer(r)
	usedEstab := make(map[int]bool) // membership only
	urn := 116000 + r.IntN(200)
	otherIdx := 0
	for _, ph := range phases {
		urn += 1 + r.IntN(40)
		s := &school{}
		s.URN = urn
		s.LACode = g.cfg.LACode
		if ph == other {
			for otherLAs[otherIdx].code == g.cfg.LACode {
				otherIdx++
			}
			s.LACode = otherLAs[otherIdx].code
			otherIdx++
			ph = PhasePrimary
			if otherIdx%2 == 0 {
				ph = PhaseSecondary
			}
		}
		s.Phase = ph
		s.typ = schoolType(r, ph)
		s.EstablishmentNumber = estabNumber(r, ph, s.typ, s.LACode, usedEstab)
		s.LAESTAB = s.LACode*10000 + s.EstablishmentNumber
		s.Name = nm.name(ph, s.typ)
		s.open = openDate(r, s.typ, g.cfg.FirstYear)
		s.lowAge, s.highAge = ages(r, ph)
		s.postcode = postcode(r)
		if s.LACode != g.cfg.LACode {
			g.others = append(g.others, s)
			continue
		}
		switch ph {
		case PhasePrimary:
			s.weight = []float64{0.5, 1, 1, 1, 1.5, 1.5, 2, 3}[r.IntN(8)] * (0.9 + 0.2*r.Float64())
			g.primary = append(g.primary, s)
		case PhaseSecondary:
			g.second = append(g.second, s)
		default:
			s.weight = 1
			g.special = append(g.special, s)
		}
		s.attEff = g.eff.SchoolSD * r.NormFloat64()
		s.absMult = math.Exp(0.2 * r.NormFloat64())
		s.suspMult = math.Exp(0.35*r.NormFloat64() - 0.06)
		s.possible = make([][3]int, g.cfg.Years)
		for yi := range s.possible {
			for t, base := range [3]int{140, 120, 130} {
				s.possible[yi][t] = base + r.IntN(5) - 2
			}
		}
		g.schools = append(g.schools, s)
	}
	// Each primary mostly feeds one secondary. A secondary's size is set by
	// its feeders, so that its Year 7 intake matches the size of the year
	// groups already there and rolls stay steady from year to year.
	prim := append([]*school(nil), g.primary...)
	r.Shuffle(len(prim), func(i, j int) { prim[i], prim[j] = prim[j], prim[i] })
	for _, s := range g.second {
		s.weight = 0
	}
	for i, p := range prim {
		p.feeder = g.second[i%len(g.second)]
		p.feeder.weight += p.weight
	}
	for _, s := range g.schools {
		g.truth.Schools = append(g.truth.Schools, s.School)
	}
	for _, s := range g.others {
		g.truth.OtherSchools = append(g.truth.OtherSchools, s.School)
	}
}

func schoolType(r *rand.Rand, phase string) string {
	switch phase {
	case PhasePrimary:
		return pick(r, []choice{{"Community school", 45}, {"Voluntary controlled school", 10}, {"Voluntary aided school", 12},
			{"Academy converter", 23}, {"Academy sponsor led", 8}, {"Foundation school", 2}})
	case PhaseSecondary:
		return pick(r, []choice{{"Academy converter", 50}, {"Academy sponsor led", 20}, {"Community school", 10},
			{"Voluntary aided school", 15}, {"Foundation school", 5}})
	}
	return pick(r, []choice{{"Community special school", 70}, {"Academy special converter", 30}})
}

// estabNumber draws an unused establishment number in the DfE range for the
// phase: 2xxx community and 3xxx voluntary primaries, 4xxx and 5xxx
// secondaries, 7xxx special schools.
func estabNumber(r *rand.Rand, phase, typ string, la int, used map[int]bool) int {
	lo := 2000
	switch {
	case phase == PhasePrimary && (typ == "Voluntary aided school" || typ == "Voluntary controlled school"):
		lo = 3000
	case phase == PhaseSecondary && (typ == "Voluntary aided school" || typ == "Foundation school"):
		lo = 5400
	case phase == PhaseSecondary:
		lo = 4000
	case phase == PhaseSpecial:
		lo = 7000
	}
	for {
		n := lo + 1 + r.IntN(599)
		if !used[la*10000+n] {
			used[la*10000+n] = true
			return n
		}
	}
}

func openDate(r *rand.Rand, typ string, firstYear int) time.Time {
	switch typ {
	case "Academy converter", "Academy sponsor led", "Academy special converter":
		y := 2011 + r.IntN(max(1, firstYear-2011))
		return date(y, time.Month(1+r.IntN(12)), 1)
	}
	return date(1950+r.IntN(55), []time.Month{time.April, time.September, time.January}[r.IntN(3)], 1)
}

func ages(r *rand.Rand, phase string) (int, int) {
	switch phase {
	case PhasePrimary:
		return 3 + r.IntN(2), 11
	case PhaseSecondary:
		return 11, []int{16, 18}[r.IntN(2)]
	}
	return 3 + r.IntN(2), 19
}

// namer makes unique, realistic school names.
type namer struct {
	r      *rand.Rand
	places []string
	next   int
	used   map[string]bool // membership only
	commas int
}

func newNamer(r *rand.Rand) *namer {
	ps := append([]string(nil), places...)
	r.Shuffle(len(ps), func(i, j int) { ps[i], ps[j] = ps[j], ps[i] })
	return &namer{r: r, places: ps, used: make(map[string]bool)}
}

// place returns an unused place name; after the list runs out it combines
// a place with a suffix.
func (n *namer) place() string {
	i := n.next
	n.next++
	p := n.places[i%len(n.places)]
	if k := i / len(n.places); k > 0 {
		p += []string{" Green", " Lane", " Park", " Village", " Road", " Moor", " Bridge", " Hill"}[(k-1)%8]
		if k > 8 {
			p += " " + strconv.Itoa(k)
		}
	}
	return p
}

// name returns a new unique school name for the phase and type. The first
// four names that can carry a comma do, so that CSV quoting is exercised.
func (n *namer) name(phase, typ string) string {
	for {
		s := n.candidate(phase, typ)
		if !n.used[s] {
			n.used[s] = true
			return s
		}
	}
}

func (n *namer) candidate(phase, typ string) string {
	r := n.r
	saint := saints[r.IntN(len(saints))]
	// fill draws one template; %[1]s is a new place name, %[2]s the saint.
	fill := func(cs ...choice) string {
		t := pick(r, cs)
		if strings.Contains(t, "%[1]s") {
			return fmt.Sprintf(t, n.place(), saint)
		}
		return fmt.Sprintf(t, "", saint)
	}
	switch phase {
	case PhasePrimary:
		if n.commas < 3 && (typ == "Voluntary aided school" || typ == "Voluntary controlled school") {
			n.commas++
			switch {
			case n.commas == 2:
				return fmt.Sprintf("%s, %s and %s Church of England Primary School", n.place(), n.place(), n.place())
			case typ == "Voluntary aided school":
				return fmt.Sprintf("%s Catholic Primary School, %s", saint, n.place())
			}
			return fmt.Sprintf("%s CofE Primary School, %s", saint, n.place())
		}
		switch typ {
		case "Voluntary aided school":
			return fill(choice{"%[2]s Catholic Primary School", 2}, choice{"%[2]s CofE (VA) Primary School", 1})
		case "Voluntary controlled school":
			return fill(choice{"%[1]s Church of England Primary School", 1}, choice{"%[2]s CofE Primary School", 1})
		case "Academy converter", "Academy sponsor led":
			return fill(choice{"%[1]s Primary Academy", 2}, choice{"%[1]s Academy", 1})
		}
		return fill(choice{"%[1]s Primary School", 3}, choice{"%[1]s Community Primary School", 1}, choice{"%[1]s Junior and Infant School", 1})
	case PhaseSecondary:
		if n.commas == 3 {
			n.commas++
			return fmt.Sprintf("The %s School, A Specialist Science College", n.place())
		}
		switch typ {
		case "Voluntary aided school":
			return saint + " Catholic High School"
		case "Academy converter", "Academy sponsor led":
			return fill(choice{"%[1]s Academy", 3}, choice{"%[1]s Church of England Academy", 1})
		}
		return fill(choice{"%[1]s High School", 2}, choice{"%[1]s School", 1}, choice{"%[1]s Community College", 1})
	}
	return fill(choice{"%[1]s Special School", 1}, choice{"%[1]s School", 1}, choice{"The %[1]s Centre", 1})
}

// pickSchool draws a school with probability proportional to its weight.
func pickSchool(r *rand.Rand, ss []*school) *school {
	total := 0.0
	for _, s := range ss {
		total += s.weight
	}
	x := r.Float64() * total
	for _, s := range ss {
		x -= s.weight
		if x < 0 {
			return s
		}
	}
	return ss[len(ss)-1]
}

// otherSchool draws a school of the same list other than cur.
func otherSchool(r *rand.Rand, ss []*school, cur *school) *school {
	if len(ss) < 2 {
		return cur
	}
	for {
		if s := pickSchool(r, ss); s != cur {
			return s
		}
	}
}

// chooseProgrammes picks the 12 SEND Triads schools (four triads) and the 6
// Placebo Pairs schools (three pairs) from mainstream schools. With six or
// more secondaries one triad is secondary, with eight or more one pair is.
func (g *generator) chooseProgrammes() {
	r := g.stream("programmes", 0)
	prim := append([]*school(nil), g.primary...)
	sec := append([]*school(nil), g.second...)
	r.Shuffle(len(prim), func(i, j int) { prim[i], prim[j] = prim[j], prim[i] })
	r.Shuffle(len(sec), func(i, j int) { sec[i], sec[j] = sec[j], sec[i] })
	take := func(list *[]*school, n int) []*school {
		out := (*list)[:n:n]
		*list = (*list)[n:]
		return out
	}
	for i := 0; i < 4; i++ {
		src := &prim
		if i == 3 && len(g.second) >= 6 {
			src = &sec
		}
		gr := &group{id: fmt.Sprintf("T%d", i+1), schools: take(src, 3), coach: true}
		for _, s := range gr.schools {
			s.triad = true
		}
		g.triads = append(g.triads, gr)
	}
	for i := 0; i < 3; i++ {
		src := &prim
		if i == 2 && len(g.second) >= 8 {
			src = &sec
		}
		gr := &group{id: fmt.Sprintf("P%d", i+1), schools: take(src, 2)}
		for _, s := range gr.schools {
			s.placebo = true
		}
		g.pairs = append(g.pairs, gr)
	}
	g.truth.Programme = g.programmeTruth(ProgrammeName, g.triads, -1.5, 0.6)
	g.truth.Placebo = g.programmeTruth(PlaceboName, g.pairs, 0, 1)
	// The census re-issue comes from a primary in neither programme.
	g.truth.Reissue.URN = prim[0].URN
	g.truth.Reissue.LAESTAB = prim[0].LAESTAB
}

func (g *generator) programmeTruth(name string, groups []*group, absPP, suspMult float64) Programme {
	start := g.programmeStart()
	p := Programme{
		Name:                 name,
		Start:                start,
		End:                  date(start.Year()+2, time.August, 31),
		AbsencePP:            absPP,
		SuspensionMultiplier: suspMult,
	}
	for _, gr := range groups {
		tg := Group{ID: gr.id}
		for _, s := range gr.schools {
			tg.URNs = append(tg.URNs, s.URN)
			p.URNs = append(p.URNs, s.URN)
		}
		if gr.coach {
			tg.Coach = gr.schools[0].URN
		}
		p.Groups = append(p.Groups, tg)
	}
	return p
}

// writeEstablishments writes the GIAS-style extract, all schools by URN.
func (g *generator) writeEstablishments() error {
	all := append(append([]*school(nil), g.schools...), g.others...)
	sort.Slice(all, func(i, j int) bool { return all[i].URN < all[j].URN })
	t := &table{
		source: SourceEstablishments,
		rel:    "establishments/gias_extract.csv",
		header: []string{"URN", "LA (code)", "LA (name)", "EstablishmentNumber", "EstablishmentName",
			"TypeOfEstablishment (name)", "PhaseOfEducation (name)", "OpenDate", "CloseDate",
			"StatutoryLowAge", "StatutoryHighAge", "Postcode"},
		upnCol: -1,
	}
	for _, s := range all {
		laName := g.cfg.LAName
		for _, o := range otherLAs {
			if o.code == s.LACode && s.LACode != g.cfg.LACode {
				laName = o.name
			}
		}
		phase := s.Phase
		if phase == PhaseSpecial {
			phase = "Not applicable" // as GIAS records special schools
		}
		t.rows = append(t.rows, []string{
			strconv.Itoa(s.URN), strconv.Itoa(s.LACode), laName, fmt.Sprintf("%04d", s.EstablishmentNumber), s.Name,
			s.typ, phase, ukDate(s.open), "", strconv.Itoa(s.lowAge), strconv.Itoa(s.highAge), s.postcode,
		})
	}
	return g.emit(t, csvOptions{crlf: true})
}
