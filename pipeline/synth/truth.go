package synth

import (
	"sort"
	"time"
)

// Truth records what Generate planted, so that tests can assert that the
// pipeline finds it. Counts refer to data rows: header rows, title rows and
// blank rows are never counted.
type Truth struct {
	// Config is the configuration used, with defaults filled in.
	Config Config

	// TimePeriods lists the academic years generated as DfE time_period
	// values (201415 for 2014/15), in order.
	TimePeriods []int

	// Schools lists the LA's schools by URN. OtherSchools lists the schools
	// of other LAs that appear in the establishments file only, as they do
	// in a real GIAS extract; no pupil attends them.
	Schools      []School
	OtherSchools []School

	// UPNs lists, sorted, every well-formed UPN written in a row that is not
	// deliberately defective, in any source. Privacy tests scan outputs for
	// them. MalformedUPNs lists, sorted, the damaged UPNs written in
	// defective rows (wrong check letter or wrong length).
	UPNs          []string
	MalformedUPNs []string

	// Files describes every file written, in the order written.
	Files []FileStats

	// Rows counts data rows per source (all files of the source, including
	// the census re-issue).
	Rows map[string]int

	// Bad counts, per source and kind of defect, the rows that are
	// deliberately unusable and must be quarantined (for example
	// Bad["census"]["bad_upn_check_letter"]). Every kind a source can have
	// is present, with a zero count if none were written.
	Bad map[string]map[string]int

	// Flagged counts, per source and kind, rows that must load but carry an
	// issue: a bad optional field that must become NULL (such as "bad_dob"),
	// a value kept and flagged (such as "unknown_ethnicity"), or a
	// temporary UPN ("temporary_upn"). A row has at most one defect, bad or
	// flagged, except that temporary UPNs are never defective.
	Flagged map[string]map[string]int

	// Reissue describes the corrected re-issue of one school's census.
	Reissue Reissue

	// Effects holds the planted effect sizes of pupil characteristics.
	Effects Effects

	// Programme is the SEND Triads programme, which has planted effects.
	// Placebo is the Placebo Pairs programme, which has none (its effect
	// fields are 0 and 1).
	Programme Programme
	Placebo   Programme

	// Audit describes the SEND audit workbook.
	Audit Audit

	// P8Estimates describes the Attainment 8 estimates written for each
	// KS4 year.
	P8Estimates P8Estimates
}

// P8Estimates describes the DfE-style Attainment 8 estimates, one file per
// KS4 year (p8_estimates/ks4_attainment_8_estimates_2018-19.csv): for each
// band of the KS2 baseline (below 90, one scaled-score point wide from 90 to
// 115, and 115 to 120, each band's upper bound the next one's lower bound)
// the mean Attainment 8 and elements of a synthetic England. England is the
// generator's own model, KS2 baselines and KS4 results drawn from the same
// latent attainment as the LA's (its Year 11 that year, drawn many times
// over), except that from the same baseline England's pupils reach
// NationalLead more Attainment 8 points, spread over the elements by their
// slots. Against these estimates the LA's Progress 8 is about
// -NationalLead / 10, up to the sampling noise of its own pupils (about
// 0.03 for the default LA). Pupils whose baseline comes from KS2 results in
// the LA's files (only when Years is above 5) have a slightly different
// baseline noise than England's, which the estimates ignore.
type P8Estimates struct {
	Paths        []string // the files, by KS4 year
	NationalLead float64  // Attainment 8 points
}

// School identifies one establishment.
type School struct {
	URN                 int
	LAESTAB             int // LA code × 10000 + EstablishmentNumber
	LACode              int
	EstablishmentNumber int
	Name                string // exactly as in the establishments file
	Phase               string // "Primary", "Secondary" or "Special"
}

// FileStats describes one file written.
type FileStats struct {
	Path    string // relative to the landing folder, with forward slashes
	Source  string
	Rows    int            // data rows
	Bad     map[string]int // deliberately unusable rows, by kind
	Flagged map[string]int // rows with a flagged or nullable issue, by kind
}

// Reissue describes the corrected re-issue of one primary school's census
// extract for the last year. The re-issue holds all of that school's pupils;
// CorrectedSEN of them have a SENprovision (and so SENPrimaryNeed) that
// differs from the original LA-wide file, and the re-issue is right.
type Reissue struct {
	Path         string
	URN          int
	LAESTAB      int
	TimePeriod   int
	Rows         int
	CorrectedSEN int
	CorrectedUPN []string // the pupils whose SEN values were corrected
}

// Effects holds the planted effects of pupil characteristics, which apply
// in every school and year.
//
// Attainment: each pupil has a persistent latent score a ~ N(0,1), drawn
// independently of every characteristic. In each year the attainment that
// drives results is
//
//	L = a + s + Disadvantaged·D + SENSupport·K + EHCP·E
//
// where s ~ N(0, SchoolSD²) is the school's effect and D, K and E are 0/1
// indicators read from that year's census (D is EverFSM6, looked after or
// adopted from care, following the DfE definition). Results are monotone in
// L plus noise: phonics mark ≈ PhonicsMean + PhonicsPerSD·L, KS2 scaled
// scores ≈ KS2Mean + KS2PerSD·L, GCSE grades ≈ GCSEMean + GCSEPerSD·L, each
// clamped to its scale.
//
// Absence: a pupil's expected overall absence rate (percent of possible
// sessions) in a year is a skewed baseline (median about 3%, with a tail of
// persistent and severe absentees) plus the percentage-point terms below.
//
// Suspensions: a pupil's expected number of suspensions in a year is a
// phase baseline times a pupil and a school propensity times the
// multipliers below.
type Effects struct {
	Disadvantaged float64 // latent attainment, SD; -0.45
	SENSupport    float64 // latent attainment, SD; -0.8
	EHCP          float64 // latent attainment, SD; -1.6
	SchoolSD      float64 // SD of the school effect on latent attainment; 0.2

	PhonicsMean  float64 // 38
	PhonicsPerSD float64 // 5
	KS2Mean      float64 // 106
	KS2PerSD     float64 // 6.5
	GCSEMean     float64 // 5.3
	GCSEPerSD    float64 // 1.9

	AbsenceDisadvantagedPP float64 // +2.5 percentage points
	AbsenceSENSupportPP    float64 // +1.5
	AbsenceEHCPPP          float64 // +2.5
	AbsenceSecondaryPP     float64 // +1.0 in secondary schools
	AbsenceTrendPPPerYear  float64 // +0.2 per year after the first, in every school

	// ProgrammeSchoolsBaselinePP is added to the absence of the SEND Triads
	// schools in every year, before and after the start: the LA chose
	// schools with high absence, so a comparison of programme and other
	// schools after the start alone is biased, while a
	// difference-in-differences is not.
	ProgrammeSchoolsBaselinePP float64 // +0.6

	SuspensionDisadvantaged float64 // ×2.5
	SuspensionSENSupport    float64 // ×3.0
	SuspensionEHCP          float64 // ×2.0
	SuspensionTrendPerYear  float64 // ×1.04 per year after the first, in every school
}

func defaultEffects() Effects {
	return Effects{
		Disadvantaged: -0.45,
		SENSupport:    -0.8,
		EHCP:          -1.6,
		SchoolSD:      0.2,

		PhonicsMean:  38,
		PhonicsPerSD: 5,
		KS2Mean:      106,
		KS2PerSD:     6.5,
		GCSEMean:     5.3,
		GCSEPerSD:    1.9,

		AbsenceDisadvantagedPP:     2.5,
		AbsenceSENSupportPP:        1.5,
		AbsenceEHCPPP:              2.5,
		AbsenceSecondaryPP:         1.0,
		AbsenceTrendPPPerYear:      0.2,
		ProgrammeSchoolsBaselinePP: 0.6,

		SuspensionDisadvantaged: 2.5,
		SuspensionSENSupport:    3.0,
		SuspensionEHCP:          2.0,
		SuspensionTrendPerYear:  1.04,
	}
}

// Programme describes one programme in the interventions register.
type Programme struct {
	Name   string
	URNs   []int   // the schools, in register order
	Groups []Group // triads or pairs
	Start  time.Time
	End    time.Time

	// AbsencePP is the planted change in every pupil's expected overall
	// absence rate, in percentage points, in the programme's schools in
	// each academic year from Start onward (negative is a reduction).
	// Because a rate cannot fall below zero, the realised change is
	// slightly smaller: RealisedAbsencePP is the session-weighted mean
	// change actually applied to the expected rates of those pupils.
	AbsencePP         float64
	RealisedAbsencePP float64

	// SuspensionMultiplier scales the expected suspensions per pupil
	// (and so suspensions per 100 pupils) in the programme's schools from
	// Start onward.
	SuspensionMultiplier float64

	// NamedInRegister lists the schools whose register row gives the
	// school's name rather than its URN.
	NamedInRegister []int

	// Unresolved lists the school names, as written in the register, of
	// the programme's rows whose school does not resolve to a URN: a
	// misspelt name, held back (ops.quarantine, action 'unresolved') with
	// the school it resembles named as the candidate.
	Unresolved []string
	// UnresolvedCandidate is the URN of the school a misspelt name
	// resembles.
	UnresolvedCandidate int
}

// Group is one triad or pair of a programme.
type Group struct {
	ID    string
	URNs  []int
	Coach int // URN of the coach school, 0 if the group has none
}

// Audit describes the SEND audit workbook: one pre audit shortly after the
// programme start and one post audit 12 to 18 months later for each SEND
// Triads school. Ratings score R=1, A=2, G=3; the post audits are planted
// to be better on average.
type Audit struct {
	Path          string
	Rows          int
	TitleRows     int   // rows above the header
	StageBlankURN int   // the school whose Stage cells are blank
	SpelledOut    []int // schools whose ratings read Red/Amber/Green
	PreMean       float64
	PostMean      float64
	// Bad is the number of rows after the good ones with an unusable
	// rating (off the declared ScaleMax, or not a rating at all), which
	// the loader quarantines. Rows counts them.
	Bad int
}

func newTruth(cfg Config, eff Effects) *Truth {
	t := &Truth{
		Config:  cfg,
		Rows:    make(map[string]int),
		Bad:     make(map[string]map[string]int),
		Flagged: make(map[string]map[string]int),
		Effects: eff,
	}
	t.P8Estimates.NationalLead = nationalLead
	for yi := 0; yi < cfg.Years; yi++ {
		y := cfg.FirstYear + yi
		t.TimePeriods = append(t.TimePeriods, y*100+(y+1)%100)
	}
	return t
}

// record adds the counts of one written file.
func (t *Truth) record(fs FileStats) {
	t.Files = append(t.Files, fs)
	t.Rows[fs.Source] += fs.Rows
	add := func(dst map[string]map[string]int, src map[string]int) {
		if dst[fs.Source] == nil {
			dst[fs.Source] = make(map[string]int)
		}
		for k, n := range src { // order does not matter: sums only
			dst[fs.Source][k] += n
		}
	}
	add(t.Bad, fs.Bad)
	add(t.Flagged, fs.Flagged)
}

// finish fills the sorted UPN lists from the sets collected while writing.
func (t *Truth) finish(written, malformed map[string]bool) {
	t.UPNs = sortedKeys(written)
	t.MalformedUPNs = sortedKeys(malformed)
}

// sortedKeys returns the keys of m in sorted order, so that map iteration
// order never reaches the output.
func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
