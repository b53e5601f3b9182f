// Package bench generates a national-scale synthetic year for `make bench`
// and times edwh against DuckDB's own CSV loading on the same files.
//
// The generator streams rows straight to disk (nothing scales with rows in
// memory but a few counters), is deterministic for a given Scale and
// version, and caches its output: a folder that holds a complete marker for
// the same scale is reused.
package bench

import (
	"bufio"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"

	"github.com/edwh/edwh/pipeline/synth"
)

// Scale says how much to generate. The zero value is a national year.
type Scale struct {
	Schools    int // 24,000
	LAs        int // 152
	Pupils     int // 8,500,000 census rows
	KS2        int // 650,000
	KS4        int // 650,000
	Attendance int // 8,500,000 (one row per pupil for the year)
	Exclusions int // 800,000
	Seed       uint64
}

// National is the scale the benchmark targets.
var National = Scale{Schools: 24000, LAs: 152, Pupils: 8_500_000, KS2: 650_000, KS4: 650_000,
	Attendance: 8_500_000, Exclusions: 800_000, Seed: 1}

// version changes whenever the generator's output changes, invalidating caches.
const version = 1

// Files are the paths generated, by source.
type Files map[string][]string

// Generate writes (or reuses) the landing folder for s under dir and
// returns its path.
func Generate(dir string, s Scale) (string, error) {
	key := fmt.Sprintf("v%d-%d-%d-%d-%d-%d-%d-%d-%d", version, s.Schools, s.LAs, s.Pupils, s.KS2, s.KS4, s.Attendance, s.Exclusions, s.Seed)
	root := filepath.Join(dir, key)
	landing := filepath.Join(root, "landing")
	marker := filepath.Join(root, "complete.json")
	if _, err := os.Stat(marker); err == nil {
		return landing, nil
	}
	os.RemoveAll(root)
	g := &gen{s: s, rng: rand.New(rand.NewPCG(s.Seed, 2)), landing: landing}
	if err := g.run(); err != nil {
		return "", err
	}
	b, _ := json.Marshal(s)
	return landing, os.WriteFile(marker, b, 0o644)
}

type school struct {
	urn, la, estab int
	secondary      bool
}

type gen struct {
	s       Scale
	rng     *rand.Rand
	landing string
	schools []school
}

func (g *gen) run() error {
	g.makeSchools()
	for _, step := range []func() error{g.establishments, g.census, g.ks2, g.ks4, g.attendance, g.exclusions} {
		if err := step(); err != nil {
			return err
		}
	}
	return nil
}

// laCodes are 152 three-digit codes in the ranges real LA codes use.
func (g *gen) laCode(i int) int { return 201 + (i*737/g.s.LAs)%737 }

func (g *gen) makeSchools() {
	g.schools = make([]school, g.s.Schools)
	for i := range g.schools {
		la := g.laCode(i % g.s.LAs)
		sec := i%6 == 0
		estab := 2000 + i/g.s.LAs%2000
		if sec {
			estab = 4000 + i/g.s.LAs%2000
		}
		g.schools[i] = school{urn: 100000 + i, la: la, estab: estab, secondary: sec}
	}
}

type csvFile struct {
	f *os.File
	w *bufio.Writer
}

func (g *gen) create(source, name, header string) (*csvFile, error) {
	dir := filepath.Join(g.landing, source)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	f, err := os.Create(filepath.Join(dir, name))
	if err != nil {
		return nil, err
	}
	w := bufio.NewWriterSize(f, 4<<20)
	w.WriteString(header + "\n")
	return &csvFile{f, w}, nil
}

func (c *csvFile) close() error {
	if err := c.w.Flush(); err != nil {
		c.f.Close()
		return err
	}
	return c.f.Close()
}

// upn is pupil i's UPN: valid check letter, issued by its school's LA.
func (g *gen) upn(i int) string {
	sc := g.schools[i%len(g.schools)]
	body := fmt.Sprintf("%03d%04d%02d%03d", sc.la, sc.estab, 10+i/(len(g.schools)*1000)%10, i/len(g.schools)%1000)
	c, _ := synth.UPNCheckLetter(body)
	return string(c) + body
}

func (g *gen) laestab(i int) string {
	sc := g.schools[i%len(g.schools)]
	return strconv.Itoa(sc.la*10000 + sc.estab)
}

func (g *gen) establishments() error {
	f, err := g.create("establishments", "gias_national.csv",
		"URN,LA (code),LA (name),EstablishmentNumber,EstablishmentName,TypeOfEstablishment (name),PhaseOfEducation (name),OpenDate,CloseDate")
	if err != nil {
		return err
	}
	for i, s := range g.schools {
		phase := "Primary"
		if s.secondary {
			phase = "Secondary"
		}
		fmt.Fprintf(f.w, "%d,%d,LA %d,%d,School %d,Community school,%s,01/09/2000,\n", s.urn, s.la, s.la, s.estab, i, phase)
	}
	return f.close()
}

var (
	ethnicities = []string{"WBRI", "WBRI", "WBRI", "WBRI", "WBRI", "WBRI", "WBRI", "WOTH", "APKN", "AIND", "BAFR", "MWBC", "CHNE"}
	ncPrimary   = []string{"R", "1", "2", "3", "4", "5", "6"}
	ncSecondary = []string{"7", "8", "9", "10", "11"}
)

func (g *gen) census() error {
	f, err := g.create("census", "census_spring_2019.csv",
		"UPN,LAESTAB,CensusDate,NCyearActual,Gender,DOB,Ethnicity,FirstLanguage,SENprovision,SENPrimaryNeed,FSMeligible,EverFSM6,LookedAfter,AdoptedFromCare")
	if err != nil {
		return err
	}
	r := g.rng
	for i := 0; i < g.s.Pupils; i++ {
		sc := g.schools[i%len(g.schools)]
		nc := ncPrimary[r.IntN(len(ncPrimary))]
		if sc.secondary {
			nc = ncSecondary[r.IntN(len(ncSecondary))]
		}
		sen, need := "N", ""
		switch x := r.IntN(1000); {
		case x < 25:
			sen, need = "E", "ASD"
		case x < 150:
			sen, need = "K", "SLCN"
		}
		fsm := 0
		if r.IntN(5) == 0 {
			fsm = 1
		}
		ever := fsm
		if ever == 0 && r.IntN(10) == 0 {
			ever = 1
		}
		lang := "ENG"
		if r.IntN(6) == 0 {
			lang = "OTH"
		}
		fmt.Fprintf(f.w, "%s,%s,17/01/2019,%s,%c,%04d-%02d-%02d,%s,%s,%s,%s,%d,%d,0,0\n",
			g.upn(i), g.laestab(i), nc, "MF"[r.IntN(2)], 2004+r.IntN(11), 1+r.IntN(12), 1+r.IntN(28),
			ethnicities[r.IntN(len(ethnicities))], lang, sen, need, fsm, ever)
	}
	return f.close()
}

func (g *gen) ks2() error {
	f, err := g.create("ks2", "ks2_2019.csv", "UPN,LAESTAB,AcademicYear,ReadScaled,MatScaled,GPSScaled,WritTA")
	if err != nil {
		return err
	}
	r := g.rng
	ta := []string{"GDS", "EXS", "EXS", "EXS", "WTS"}
	for i := 0; i < g.s.KS2; i++ {
		fmt.Fprintf(f.w, "%s,%s,2018/19,%d,%d,%d,%s\n", g.upn(i*13), g.laestab(i*13), 88+r.IntN(33), 88+r.IntN(33), 88+r.IntN(33), ta[r.IntN(len(ta))])
	}
	return f.close()
}

func (g *gen) ks4() error {
	f, err := g.create("ks4", "ks4_2019.csv", "URN,UPN,AcademicYear,Att8,Att8Eng,Att8Mat,Att8EBacc,Att8Open,KS2Baseline,P8,EnglishGrade,MathsGrade,EBaccEntered,EngMat94,EngMat95")
	if err != nil {
		return err
	}
	r := g.rng
	for i := 0; i < g.s.KS4; i++ {
		eng, mat := r.IntN(10), r.IntN(10)
		eb, op := r.IntN(28), r.IntN(28)
		b := func(x bool) int {
			if x {
				return 1
			}
			return 0
		}
		sc := g.schools[(i*6)%len(g.schools)]
		fmt.Fprintf(f.w, "%d,%s,2018/19,%d,%d,%d,%d,%d,%.1f,,%d,%d,%d,%d,%d\n", sc.urn, g.upn(i*6), 2*eng+2*mat+eb+op, 2*eng, 2*mat, eb, op,
			90+r.Float64()*25, eng, mat, r.IntN(2), b(eng >= 4 && mat >= 4), b(eng >= 5 && mat >= 5))
	}
	return f.close()
}

func (g *gen) attendance() error {
	f, err := g.create("attendance", "attendance_2019.csv", "UPN,LAESTAB,AcademicYear,Term,SessionsPossible,SessionsAuthorised,SessionsUnauthorised")
	if err != nil {
		return err
	}
	r := g.rng
	for i := 0; i < g.s.Attendance; i++ {
		possible := 300 + r.IntN(90)
		auth := r.IntN(30)
		unauth := r.IntN(10)
		fmt.Fprintf(f.w, "%s,%s,2018/19,Year,%d,%d,%d\n", g.upn(i), g.laestab(i), possible, auth, unauth)
	}
	return f.close()
}

func (g *gen) exclusions() error {
	f, err := g.create("exclusions", "exclusions_2019.csv", "UPN,LAESTAB,Category,StartDate,Sessions,Reason1,Reason2,Reason3")
	if err != nil {
		return err
	}
	r := g.rng
	reasons := []string{"PP", "PA", "VP", "VA", "BU", "DB", "DM", "OT"}
	for i := 0; i < g.s.Exclusions; i++ {
		cat := "SUSP"
		if r.IntN(100) == 0 {
			cat = "PERM"
		}
		p := r.IntN(g.s.Pupils)
		fmt.Fprintf(f.w, "%s,%s,%s,%02d/%02d/2019,%d,%s,,\n", g.upn(p), g.laestab(p), cat, 1+r.IntN(28), 1+r.IntN(7), 1+r.IntN(10), reasons[r.IntN(len(reasons))])
	}
	return f.close()
}
