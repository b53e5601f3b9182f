// Package synth generates a deterministic synthetic local authority (LA) for
// edwh: the establishments reference, several years of pupil-level extracts
// (spring census, KS1, KS2, KS4, attendance, exclusions) with DfE-style
// Attainment 8 estimates for each KS4 year, a SEND audit workbook and an
// interventions register, laid out in a landing folder with
// one sub-folder per source exactly as the loader expects to find them.
//
// The data is meant to exercise the pipeline the way real LA files do: mixed
// encodings and header spellings, title rows above headers, corrected
// re-issues, hand-edited spreadsheets and a small share of deliberately
// defective rows. It also carries planted effects (attainment and absence
// gaps, a programme that lowers absence and suspensions, a placebo programme
// that does nothing, an LA-wide secular trend) so that tests can check that
// the analyses recover what was put in. Everything that was planted or
// damaged is reported in the returned [Truth].
//
// Output depends only on the [Config]: the same configuration always
// produces byte-identical files.
package synth

import (
	"errors"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"
)

// Config says what to generate. Zero fields take the defaults shown.
type Config struct {
	Seed       int64   // random seed; default 1
	LACode     int     // three-digit DfE LA code; default 851
	LAName     string  // LA name written to the establishments file; default "Demo LA"
	Schools    int     // schools in the LA: about 80% primary, the rest secondary plus 2 special; default 60, minimum 30
	Pupils     int     // approximate pupils on roll each year; default 30000
	FirstYear  int     // first academic year, by its first calendar year; default 2014, meaning 2014/15
	Years      int     // number of academic years; default 5, minimum 3
	BadRowRate float64 // share of deliberately invalid rows per file and kind of defect; default 0.004, negative for none
}

// Defaults for the zero fields of a Config.
const (
	DefaultSeed       = 1
	DefaultLACode     = 851
	DefaultLAName     = "Demo LA"
	DefaultSchools    = 60
	DefaultPupils     = 30000
	DefaultFirstYear  = 2014
	DefaultYears      = 5
	DefaultBadRowRate = 0.004
)

// Source names, which are also the names of the landing sub-folders.
const (
	SourceEstablishments = "establishments"
	SourceCensus         = "census"
	SourceKS1            = "ks1"
	SourceKS2            = "ks2"
	SourceKS4            = "ks4"
	SourceAttendance     = "attendance"
	SourceExclusions     = "exclusions"
	SourceAudit          = "audit"
	SourceInterventions  = "interventions"
	SourceP8Estimates    = "p8_estimates"
)

// sources lists the landing sub-folders that Generate writes, in the order
// it writes them.
var sources = [...]string{
	SourceEstablishments, SourceCensus, SourceKS1, SourceKS2, SourceKS4, SourceP8Estimates,
	SourceAttendance, SourceExclusions, SourceAudit, SourceInterventions,
}

// minSchools is the smallest LA that leaves comparison schools beside the 12
// programme and 6 placebo schools.
const minSchools = 30

// withDefaults returns cfg with zero fields replaced by the defaults.
func (cfg Config) withDefaults() Config {
	if cfg.Seed == 0 {
		cfg.Seed = DefaultSeed
	}
	if cfg.LACode == 0 {
		cfg.LACode = DefaultLACode
	}
	if cfg.LAName == "" {
		cfg.LAName = DefaultLAName
	}
	if cfg.Schools == 0 {
		cfg.Schools = DefaultSchools
	}
	if cfg.Pupils == 0 {
		cfg.Pupils = DefaultPupils
	}
	if cfg.FirstYear == 0 {
		cfg.FirstYear = DefaultFirstYear
	}
	if cfg.Years == 0 {
		cfg.Years = DefaultYears
	}
	if cfg.BadRowRate == 0 {
		cfg.BadRowRate = DefaultBadRowRate
	}
	return cfg
}

func (cfg Config) validate() error {
	switch {
	case cfg.LACode < 100 || cfg.LACode > 999:
		return fmt.Errorf("synth: LACode %d is not a three-digit LA code", cfg.LACode)
	case cfg.Schools < minSchools:
		return fmt.Errorf("synth: Schools = %d, need at least %d to leave comparison schools beside the programmes", cfg.Schools, minSchools)
	case cfg.Schools > 400:
		return fmt.Errorf("synth: Schools = %d, at most 400 are supported", cfg.Schools)
	case cfg.Pupils < 20*cfg.Schools:
		return fmt.Errorf("synth: Pupils = %d is too few for %d schools (need at least %d)", cfg.Pupils, cfg.Schools, 20*cfg.Schools)
	case cfg.Pupils > 1000*cfg.Schools:
		return fmt.Errorf("synth: Pupils = %d is too many for %d schools (at most %d)", cfg.Pupils, cfg.Schools, 1000*cfg.Schools)
	case cfg.FirstYear < 2000 || cfg.FirstYear > 2090:
		return fmt.Errorf("synth: FirstYear %d out of range 2000-2090", cfg.FirstYear)
	case cfg.Years < 3 || cfg.Years > 10:
		return fmt.Errorf("synth: Years = %d, need 3 to 10 so the programme has years before and after its start", cfg.Years)
	case cfg.BadRowRate > 0.1:
		return fmt.Errorf("synth: BadRowRate %g is above 0.1", cfg.BadRowRate)
	}
	return nil
}

// Generate writes a synthetic LA described by cfg into the folder landing,
// one sub-folder per source (named by the Source constants), creating the
// folders it needs, and returns what it planted. Files already there with
// the same names are overwritten; other files are left alone.
//
// File names carry the second calendar year of the academic year:
// census/census_spring_2015.csv and ks2/ks2_2015.csv hold 2014/15. The
// census quirks fall on fixed years: the second year has LA and ESTAB
// columns and other header spellings, the third is Windows-1252, the
// fourth UTF-8 with a byte order mark, and the last has a corrected
// re-issue of one school's extract. The programmes start on 1 September of
// the third year.
func Generate(cfg Config, landing string) (*Truth, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if landing == "" {
		return nil, errors.New("synth: empty landing folder")
	}
	for _, src := range sources {
		if err := os.MkdirAll(filepath.Join(landing, src), 0o755); err != nil {
			return nil, fmt.Errorf("synth: %w", err)
		}
	}
	g := newGenerator(cfg, landing)
	if err := g.run(); err != nil {
		return nil, err
	}
	g.truth.finish(g.written, g.malformed)
	return g.truth, nil
}

// generator holds the state of one Generate call. Nothing in the package
// outlives it, so concurrent calls are independent.
type generator struct {
	cfg     Config
	landing string
	truth   *Truth
	eff     Effects

	schools []*school // the LA's schools, ordered by URN
	others  []*school // schools in other LAs, in the establishments file only
	primary []*school
	second  []*school
	special []*school

	pupils []*pupil        // every pupil ever on roll, in creation order
	upns   map[string]bool // issued UPNs, for uniqueness only
	// written and malformed collect the UPNs written in files; they are
	// ranged over only to build sorted lists.
	written   map[string]bool
	malformed map[string]bool
	serial    map[[3]int]int // next UPN serial by LA, establishment and year of issue

	pop *rand.Rand // the population stream, consumed in a fixed order

	startIdx int // index of the academic year in which the programmes start
	triads   []*group
	pairs    []*group

	// realisedPoss and realisedDiff accumulate, over SEND Triads pupils in
	// programme years, possible sessions and sessions × the change in
	// expected absence rate, for Programme.RealisedAbsencePP.
	realisedPoss, realisedDiff float64
}

func newGenerator(cfg Config, landing string) *generator {
	g := &generator{
		cfg:       cfg,
		landing:   landing,
		eff:       defaultEffects(),
		upns:      make(map[string]bool),
		written:   make(map[string]bool),
		malformed: make(map[string]bool),
		serial:    make(map[[3]int]int),
		startIdx:  2,
	}
	g.truth = newTruth(cfg, g.eff)
	g.pop = g.stream("population", 0)
	return g
}

// stream returns a random source for one purpose. Each purpose (and each
// year within it) gets its own PCG stream derived from the seed and the
// label, so adding draws to one part of the generator does not reshuffle
// the others.
func (g *generator) stream(label string, k int) *rand.Rand {
	h := fnv.New64a()
	h.Write([]byte(label))
	return rand.New(rand.NewPCG(uint64(g.cfg.Seed), h.Sum64()^(uint64(k+1)*0x9e3779b97f4a7c15)))
}

// run generates everything in a fixed order.
func (g *generator) run() error {
	g.buildSchools()
	g.chooseProgrammes()
	if err := g.writeEstablishments(); err != nil {
		return err
	}
	g.initialRoll()
	for yi := 0; yi < g.cfg.Years; yi++ {
		if yi > 0 {
			g.advance(yi)
		}
		roll := g.roll()
		if err := g.writeCensus(yi, roll); err != nil {
			return err
		}
		if err := g.writeKS1(yi, roll); err != nil {
			return err
		}
		if err := g.writeKS2(yi, roll); err != nil {
			return err
		}
		if err := g.writeKS4(yi, roll); err != nil {
			return err
		}
		if err := g.writeP8Estimates(yi, roll); err != nil {
			return err
		}
		if err := g.writeAttendance(yi, roll); err != nil {
			return err
		}
		if err := g.writeExclusions(yi, roll); err != nil {
			return err
		}
	}
	if err := g.writeAudit(); err != nil {
		return err
	}
	return g.writeRegister()
}

// year returns the first calendar year of academic year index yi.
func (g *generator) year(yi int) int { return g.cfg.FirstYear + yi }

// timePeriod returns the DfE time_period of academic year index yi, such as
// 201415.
func (g *generator) timePeriod(yi int) int {
	y := g.year(yi)
	return y*100 + (y+1)%100
}

// programmeStart is 1 September of the programmes' first academic year.
func (g *generator) programmeStart() time.Time {
	return date(g.year(g.startIdx), time.September, 1)
}

func date(y int, m time.Month, d int) time.Time {
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}
