package synth

import "fmt"

// The Attainment 8 estimates DfE publishes are, for each band of the KS2
// baseline, the mean Attainment 8 of the pupils in England whose baseline
// falls in it. The synthetic England is the generator's own model: pupils
// with the LA's mix of latent attainment, their baselines and KS4 results
// drawn exactly as the LA's are (drawBaseline, drawKS4), except that from
// the same baseline England's pupils reach NationalLead more Attainment 8
// points. The LA's Progress 8 against these estimates is therefore about
// -NationalLead / 10, where estimates from the LA's own cohort would make it
// 0 by construction.

// nationalLead is P8Estimates.NationalLead.
const nationalLead = 2.0

// nationalDraws is about how many pupils the synthetic England has per
// year, enough for about 700 in the thinnest band.
const nationalDraws = 100000

// p8Bands are the prior attainment bands of the estimates, by lower bound:
// one wide band below 90 and above 115, where pupils are few, and one
// scaled-score point wide between. Each band's upper bound is the next one's
// lower bound (a baseline on it belongs to the higher band); the last ends
// at 120.
func p8Bands() []float64 {
	bands := []float64{80}
	for b := 90; b <= 115; b++ {
		bands = append(bands, float64(b))
	}
	return bands
}

// writeP8Estimates writes DfE-style Attainment 8 estimates for the KS4 year
// of year index yi, from England simulated as described above: Year 11's
// latent attainments that year, each drawn again nationalDraws/len times.
func (g *generator) writeP8Estimates(yi int, roll []*pupil) error {
	year := g.year(yi)
	var latents []float64
	for _, p := range roll {
		if p.nc == 11 {
			latents = append(latents, g.latent(p, year))
		}
	}
	if len(latents) == 0 {
		return nil
	}
	lower := p8Bands()
	const top = 120.0
	band := func(b float64) int { // the band holding baseline b
		i := len(lower) - 1
		for i > 0 && b < lower[i] {
			i--
		}
		return i
	}
	type sums struct{ n, eng, mat, ebacc, open float64 }
	acc := make([]sums, len(lower))
	r := g.stream("p8-estimates", yi)
	reps := (nationalDraws + len(latents) - 1) / len(latents)
	for rep := 0; rep < reps; rep++ {
		for _, l := range latents {
			b := g.drawBaseline(r, l)
			k := g.drawKS4(r, l)
			s := &acc[band(b)]
			s.n++
			s.eng += float64(2 * k.eng)
			s.mat += float64(2 * k.mat)
			s.ebacc += float64(k.ebacc)
			s.open += float64(k.open)
		}
	}

	t := &table{source: SourceP8Estimates, rel: fmt.Sprintf("%s/ks4_attainment_8_estimates_%s.csv", SourceP8Estimates, academicYear(year, "-"))}
	keys := []string{"PAG", "KS2 prior attainment lower bound", "KS2 prior attainment upper bound",
		"Estimated Attainment 8 score", "English element", "Maths element", "EBacc element", "Open element"}
	t.header = keys
	t.setColumns(keys)
	f := func(x float64) string { return fmt.Sprintf("%.2f", x) }
	pag := 0
	for i, s := range acc {
		if s.n == 0 {
			continue // no pupil of England there: no estimate, as DfE would have none
		}
		upper := top
		if i+1 < len(lower) {
			upper = lower[i+1]
		}
		// England's lead, spread over the elements by their slots.
		eng := s.eng/s.n + 0.2*nationalLead
		mat := s.mat/s.n + 0.2*nationalLead
		ebacc := s.ebacc/s.n + 0.3*nationalLead
		open := s.open/s.n + 0.3*nationalLead
		pag++
		t.rows = append(t.rows, []string{itoa(pag), f(lower[i]), f(upper), f(eng + mat + ebacc + open), f(eng), f(mat), f(ebacc), f(open)})
	}
	g.truth.P8Estimates.Paths = append(g.truth.P8Estimates.Paths, t.rel)
	return g.emit(t, csvOptions{})
}
