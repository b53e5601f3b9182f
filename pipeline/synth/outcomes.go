package synth

import (
	"fmt"
	"math/rand/v2"
	"strconv"
)

// Attainment results are monotone functions of the pupil's latent
// attainment (see Effects) plus noise. The thresholds below put LA results
// near national rates: about 80% reach the phonics standard, 70% the KS2
// expected standard in reading, 60% grade 4 in both English and maths.

// academicYear formats the academic year starting in year with separator
// sep, as "2014/15" or "2014-15"; an empty sep gives "201415".
func academicYear(year int, sep string) string {
	return fmt.Sprintf("%d%s%02d", year, sep, (year+1)%100)
}

// isNumber reports whether s is a non-negative integer.
func isNumber(s string) bool {
	_, err := strconv.Atoi(s)
	return err == nil && s != "" && s[0] != '-'
}

// writeKS1 writes phonics marks for Year 1 and KS1 teacher assessments for
// Year 2 of year index yi, one row per pupil with whichever parts apply.
func (g *generator) writeKS1(yi int, roll []*pupil) error {
	year := g.year(yi)
	r := g.stream("ks1", yi)
	t := &table{source: SourceKS1, rel: fmt.Sprintf("ks1/ks1_%d.csv", year+1)}
	keys := []string{"UPN", "LAESTAB", "AcademicYear", "PhonicsMark", "KS1ReadTA", "KS1WritTA", "KS1MatTA"}
	t.header = keys
	t.setColumns(keys)
	ay := academicYear(year, "/")
	for _, p := range roll {
		if p.nc != 1 && p.nc != 2 {
			continue
		}
		l := g.latent(p, year)
		row := []string{p.upn, itoa(p.school.LAESTAB), ay, "", "", "", ""}
		disapplied := p.sen == 'E' && l < -2.4 && r.IntN(2) == 0
		if p.nc == 1 {
			switch {
			case disapplied:
				row[3] = "D"
			case r.IntN(200) == 0:
				row[3] = "A"
			default:
				row[3] = itoa(iround(clamp(g.eff.PhonicsMean+g.eff.PhonicsPerSD*l+2.5*r.NormFloat64(), 0, 40)))
			}
		} else {
			absent := r.IntN(300) == 0
			for c := 4; c <= 6; c++ {
				switch {
				case disapplied:
					row[c] = "D"
				case absent:
					row[c] = "A"
				default:
					row[c] = ks1TA(l + 0.5*r.NormFloat64())
				}
			}
		}
		t.rows = append(t.rows, row)
		t.protect = append(t.protect, temporaryUPN(p.upn))
	}
	pm := t.col("PhonicsMark")
	t.spoil(g.stream("ks1-defects", yi), g.cfg.BadRowRate, []defect{
		upnDefects(t)[0],
		{kind: "bad_phonics_mark", ok: func(row []string) bool { return isNumber(row[pm]) },
			apply: func(r *rand.Rand, row []string) { row[pm] = itoa(41 + r.IntN(20)) }},
	})
	return g.emit(t, csvOptions{})
}

func ks1TA(z float64) string {
	switch {
	case z > 0.9:
		return "GDS"
	case z > -1.0:
		return "EXS"
	case z > -1.9:
		return "WTS"
	case z > -2.6:
		return "PKF"
	}
	return "BLW"
}

// writeKS2 writes end of KS2 results for Year 6 of year index yi. Pupils
// working below the standard of the tests, mostly with EHC plans, get code
// B; a few are absent (A), missing (M) or unable to access the test (T).
func (g *generator) writeKS2(yi int, roll []*pupil) error {
	year := g.year(yi)
	r := g.stream("ks2", yi)
	t := &table{source: SourceKS2, rel: fmt.Sprintf("ks2/ks2_%d.csv", year+1)}
	keys := []string{"UPN", "LAESTAB", "AcademicYear", "ReadScaled", "MatScaled", "GPSScaled", "WritTA"}
	t.header = keys
	t.setColumns(keys)
	ay := academicYear(year, "-")
	for _, p := range roll {
		if p.nc != 6 {
			continue
		}
		l := g.latent(p, year)
		row := []string{p.upn, itoa(p.school.LAESTAB), ay, "", "", "", ""}
		below := p.sen == 'E' && l < -2.2 || p.sen == 'K' && l < -2.8
		absent := r.IntN(125) == 0
		for c, shift := range [3]float64{0, 0.5, 1} { // reading, maths, GPS
			v := g.eff.KS2Mean + g.eff.KS2PerSD*l + shift + 3*r.NormFloat64()
			var s string
			switch x := r.IntN(1000); {
			case below:
				s = "B"
			case absent:
				s = "A"
			case x < 2:
				s = "M"
			case x < 5:
				s = "T"
			default:
				n := iround(clamp(v, 80, 120))
				s = itoa(n)
				switch c {
				case 0:
					p.ks2Read = n
				case 1:
					p.ks2Mat = n
				}
			}
			row[3+c] = s
		}
		row[6] = writTA(r, l+0.5*r.NormFloat64(), below)
		t.rows = append(t.rows, row)
		t.protect = append(t.protect, temporaryUPN(p.upn))
	}
	rs := t.col("ReadScaled")
	t.spoil(g.stream("ks2-defects", yi), g.cfg.BadRowRate, []defect{
		upnDefects(t)[0],
		{kind: "bad_scaled_score", ok: func(row []string) bool { return isNumber(row[rs]) },
			apply: func(r *rand.Rand, row []string) { row[rs] = itoa(121 + r.IntN(30)) }},
	})
	return g.emit(t, csvOptions{})
}

// writTA is the KS2 writing teacher assessment for standardised latent z.
func writTA(r *rand.Rand, z float64, below bool) string {
	switch {
	case r.IntN(300) == 0:
		return "A"
	case below || z < -2.0:
		return fmt.Sprintf("PK%d", 1+iround(clamp(5+2*(z+2.0), 0, 5)))
	case z > 1.0:
		return "GDS"
	case z > -1.0:
		return "EXS"
	}
	return "WTS"
}

// writeKS4 writes end of KS4 results for Year 11 of year index yi. Att8 is
// the sum of its four elements; English and maths are double weighted.
// This source keys schools by URN.
func (g *generator) writeKS4(yi int, roll []*pupil) error {
	year := g.year(yi)
	r := g.stream("ks4", yi)
	t := &table{source: SourceKS4, rel: fmt.Sprintf("ks4/ks4_%d.csv", year+1)}
	keys := []string{"URN", "UPN", "AcademicYear", "Att8", "Att8Eng", "Att8Mat", "Att8EBacc", "Att8Open",
		"KS2Baseline", "P8", "EnglishGrade", "MathsGrade", "EBaccEntered", "EngMat94", "EngMat95"}
	t.header = keys
	t.setColumns(keys)
	ay := academicYear(year, "")
	for _, p := range roll {
		if p.nc != 11 {
			continue
		}
		l := g.latent(p, year)
		k := g.drawKS4(r, l)
		entered := k.ebaccSlots == 3 && k.eng > 0 && k.mat > 0 && g.gcseMean(l)+1.2*r.NormFloat64() > 4.8
		baseline := ""
		switch {
		case p.ks2Read > 0 && p.ks2Mat > 0:
			baseline = fmt.Sprintf("%.1f", float64(p.ks2Read+p.ks2Mat)/2)
		case r.IntN(50) == 0:
		default:
			baseline = fmt.Sprintf("%.1f", g.drawBaseline(r, l))
		}
		t.rows = append(t.rows, []string{
			itoa(p.school.URN), p.upn, ay, itoa(k.att8()), itoa(2 * k.eng), itoa(2 * k.mat), itoa(k.ebacc), itoa(k.open),
			baseline, "", itoa(k.eng), itoa(k.mat), flag(entered), flag(k.eng >= 4 && k.mat >= 4), flag(k.eng >= 5 && k.mat >= 5),
		})
		t.protect = append(t.protect, temporaryUPN(p.upn))
	}
	a8 := t.col("Att8")
	t.spoil(g.stream("ks4-defects", yi), g.cfg.BadRowRate, []defect{
		upnDefects(t)[0],
		{kind: "missing_att8", quarantine: true, apply: func(_ *rand.Rand, row []string) { row[a8] = "" }},
	})
	return g.emit(t, csvOptions{})
}

// ks4Result is one pupil's end of KS4 result: GCSE English and maths grades
// (each element double weighted) and the points of the EBacc and open
// elements, with the number of EBacc slots filled.
type ks4Result struct {
	eng, mat, ebacc, open, ebaccSlots int
}

func (k ks4Result) att8() int { return 2*k.eng + 2*k.mat + k.ebacc + k.open }

// gcseMean is the expected GCSE grade at latent attainment l.
func (g *generator) gcseMean(l float64) float64 { return g.eff.GCSEMean + g.eff.GCSEPerSD*l }

// drawKS4 draws the KS4 result of a pupil of latent attainment l: English
// and maths grades around gcseMean(l), and up to three EBacc and three open
// slots, fewer for weaker pupils, each filled with a grade around it.
func (g *generator) drawKS4(r *rand.Rand, l float64) ks4Result {
	m := g.gcseMean(l)
	grade := func(mean, sd float64, lo int) int { return iround(clamp(mean+sd*r.NormFloat64(), float64(lo), 9)) }
	slots := func(shift float64, cuts [3]float64) (int, int) {
		h := m + r.NormFloat64()
		n := 0
		for _, c := range cuts {
			if h > c {
				n++
			}
		}
		sum := 0
		for i := 0; i < n; i++ {
			sum += grade(m+shift, 1, 1)
		}
		return sum, n
	}
	var k ks4Result
	k.eng, k.mat = grade(m, 0.9, 0), grade(m, 0.9, 0)
	k.ebacc, k.ebaccSlots = slots(-0.3, [3]float64{0.5, 2, 3.5})
	k.open, _ = slots(0.2, [3]float64{-1, 0, 1.5})
	return k
}

// drawBaseline draws the KS2 baseline of a pupil of latent attainment l who
// did not sit KS2 in the LA's files: the average of reading and maths scaled
// scores, KS2Mean + KS2PerSD·l plus noise, to the nearest half point.
func (g *generator) drawBaseline(r *rand.Rand, l float64) float64 {
	v := clamp(g.eff.KS2Mean+g.eff.KS2PerSD*l+2.5*r.NormFloat64(), 80, 120)
	return float64(iround(2*v)) / 2
}
