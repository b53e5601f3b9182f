package synth

import (
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"
)

// auditAreas are the six areas of the SEND review and their items.
var auditAreas = [...]struct {
	name  string
	items []string
}{
	{"Improving outcomes", []string{
		"Progress of pupils with SEND is tracked against targets",
		"Attainment gaps for pupils with SEND are known and reducing",
		"Attendance of pupils with SEND is monitored",
		"Outcomes for pupils with SEND are reported to governors",
		"Outcomes after transition are reviewed",
	}},
	{"Leadership", []string{
		"The SENCO is part of the senior leadership team",
		"SEND is a priority in the school development plan",
		"A governor with SEND responsibility is active",
		"The SEN information report is up to date",
		"The SEND budget is planned and monitored",
		"Staff training needs for SEND are identified",
	}},
	{"Teaching and learning", []string{
		"Quality first teaching meets most needs",
		"Adaptive teaching is planned",
		"Teaching assistants are deployed effectively",
		"Interventions are time-limited and evaluated",
		"Classroom environments are inclusive",
		"Pupils' views inform support plans",
		"Feedback is accessible to all pupils",
		"Homework is adapted where needed",
	}},
	{"Engaging with families", []string{
		"Parents contribute to reviews",
		"Communication with families is regular and two-way",
		"The local offer is signposted",
		"Families are supported at transition",
	}},
	{"Identification monitoring and tracking", []string{
		"Needs are identified early",
		"The graduated approach is followed",
		"The SEN register is accurate",
		"Assess, plan, do, review cycles are recorded",
		"External advice is acted on",
	}},
	{"Developing provision", []string{
		"The provision map is current",
		"Specialist services are commissioned when needed",
		"Provision is evaluated for impact",
	}},
}

var auditEvidence = []string{
	"Pupil progress meeting notes", "SENCO report to governors, autumn term", "Provision map",
	"Learning walk, focus on adaptive teaching", "Parent survey", "EHCP annual review paperwork",
	"SEN register audit", "Staff CPD log", "Intervention tracker", "Governors' minutes",
	"Discussion with SENCO", "Work scrutiny, books and plans", "Attendance data for SEND pupils",
}

// newWorkbook returns an empty workbook whose first sheet is named sheet.
func newWorkbook(sheet string) (*excelize.File, error) {
	f := excelize.NewFile()
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// setRow writes values into row n (1-based) of sheet.
func setRow(f *excelize.File, sheet string, n int, values []any) error {
	cell, err := excelize.CoordinatesToCellName(1, n)
	if err != nil {
		return err
	}
	return f.SetSheetRow(sheet, cell, &values)
}

// weekday moves d forward to a Monday to Friday.
func weekday(d time.Time) time.Time {
	for d.Weekday() == time.Saturday || d.Weekday() == time.Sunday {
		d = d.AddDate(0, 0, 1)
	}
	return d
}

// writeAudit writes audit/send_audit.xlsx: two title rows, a header, then
// a pre and a post audit for each SEND Triads school across the six areas.
func (g *generator) writeAudit() error {
	const rel = "audit/send_audit.xlsx"
	const sheet = "SEND Review"
	r := g.stream("audit", 0)
	var ss []*school
	for _, gr := range g.triads {
		ss = append(ss, gr.schools...)
	}
	order := r.Perm(len(ss))
	spelled := map[*school]bool{ss[order[0]]: true, ss[order[1]]: true, ss[order[2]]: true} // lookups only
	blank := ss[order[3]]
	for _, s := range ss {
		if spelled[s] {
			g.truth.Audit.SpelledOut = append(g.truth.Audit.SpelledOut, s.URN)
		}
	}
	g.truth.Audit.StageBlankURN = blank.URN

	var difficulty [][]float64
	for _, a := range auditAreas {
		ds := make([]float64, len(a.items))
		for i := range ds {
			ds[i] = 0.4 * r.NormFloat64()
		}
		difficulty = append(difficulty, ds)
	}
	rating := func(z float64, words bool) (string, int) {
		switch {
		case z < -0.5:
			return pickWord(words, "R", "Red"), 1
		case z > 0.6:
			return pickWord(words, "G", "Green"), 3
		}
		return pickWord(words, "A", "Amber"), 2
	}

	var rows [][]any
	var preSum, postSum, preN, postN int
	var exported time.Time
	start := g.programmeStart()
	for _, s := range ss {
		pre := weekday(start.AddDate(0, 0, 14+r.IntN(35)))
		post := weekday(pre.AddDate(0, 0, 365+r.IntN(176)))
		if post.After(exported) {
			exported = post
		}
		b := 0.4 * r.NormFloat64()
		var latent [][]float64
		for ai, a := range auditAreas {
			zs := make([]float64, len(a.items))
			for i := range zs {
				zs[i] = b + difficulty[ai][i] + 0.6*r.NormFloat64()
			}
			latent = append(latent, zs)
		}
		for stage, when := range []time.Time{pre, post} {
			label := []string{"pre", "post"}[stage]
			if s == blank {
				label = ""
			}
			for ai, a := range auditAreas {
				for i, item := range a.items {
					z := latent[ai][i]
					if stage == 1 {
						z += 0.7 + 0.5*r.NormFloat64()
					}
					rt, score := rating(z, spelled[s])
					if stage == 0 {
						preSum, preN = preSum+score, preN+1
					} else {
						postSum, postN = postSum+score, postN+1
					}
					ev := ""
					if r.IntN(4) > 0 {
						ev = auditEvidence[r.IntN(len(auditEvidence))]
					}
					rows = append(rows, []any{s.URN, ukDate(when), label, a.name, item, rt, nil, nil, ev})
				}
			}
		}
	}
	// Bad rows: a school that scored one item on a 1-4 scale and typed 5,
	// and a rating nobody can score. Both are quarantined.
	bad := [][]any{
		{ss[0].URN, ukDate(weekday(start.AddDate(0, 0, 60))), "interim", auditAreas[0].name, auditAreas[0].items[0], "5", 4, nil, ""},
		{ss[1].URN, ukDate(weekday(start.AddDate(0, 0, 60))), "interim", auditAreas[1].name, auditAreas[1].items[0], "Purple", nil, nil, ""},
	}
	rows = append(rows, bad...)

	f, err := newWorkbook(sheet)
	if err != nil {
		return fmt.Errorf("synth: %s: %w", rel, err)
	}
	defer f.Close()
	head := [][]any{
		{"SEND Review — self-evaluation export"},
		{"Exported " + ukDate(exported.AddDate(0, 0, 21))},
		{"URN", "AuditDate", "Stage", "Area", "Item", "Rating", "ScaleMax", "Score", "Evidence"},
	}
	for i, row := range append(head, rows...) {
		if err := setRow(f, sheet, i+1, row); err != nil {
			return fmt.Errorf("synth: %s: %w", rel, err)
		}
	}
	if err := f.SaveAs(filepath.Join(g.landing, filepath.FromSlash(rel))); err != nil {
		return fmt.Errorf("synth: %s: %w", rel, err)
	}
	g.truth.Audit.Path = rel
	g.truth.Audit.Rows = len(rows)
	g.truth.Audit.Bad = len(bad)
	g.truth.Audit.TitleRows = 2
	g.truth.Audit.PreMean = float64(preSum) / float64(preN)
	g.truth.Audit.PostMean = float64(postSum) / float64(postN)
	g.truth.record(FileStats{Path: rel, Source: SourceAudit, Rows: len(rows), Bad: map[string]int{"bad_rating": len(bad)}, Flagged: map[string]int{}})
	return nil
}

func pickWord(words bool, short, long string) string {
	if words {
		return long
	}
	return short
}

// writeRegister writes interventions/register.xlsx as an LA officer keeps
// it: blank rows in the middle, stray trailing spaces, real date cells, and
// two rows that name the school instead of giving its URN.
func (g *generator) writeRegister() error {
	const rel = "interventions/register.xlsx"
	const sheet = "Register"
	r := g.stream("register", 0)
	start := g.programmeStart()
	end := date(start.Year()+2, time.August, 31)
	type entry struct {
		prog  string
		s     *school
		role  string
		group string
		lead  string
		cost  int
	}
	var es []entry
	for _, gr := range g.triads {
		for i, s := range gr.schools {
			e := entry{ProgrammeName, s, "participant", gr.id, []string{"head", "senco", "teacher"}[r.IntN(3)], 15000}
			if i == 0 {
				e.role, e.lead, e.cost = "coach", []string{"head", "senco"}[r.IntN(2)], 18000
			}
			es = append(es, e)
		}
	}
	for _, gr := range g.pairs {
		for _, s := range gr.schools {
			es = append(es, entry{PlaceboName, s, "participant", gr.id, []string{"head", "senco", "teacher"}[r.IntN(3)], 8000})
		}
	}

	f, err := newWorkbook(sheet)
	if err != nil {
		return fmt.Errorf("synth: %s: %w", rel, err)
	}
	defer f.Close()
	fmtDate := "dd/mm/yyyy"
	dateStyle, err := f.NewStyle(&excelize.Style{CustomNumFmt: &fmtDate})
	if err != nil {
		return fmt.Errorf("synth: %s: %w", rel, err)
	}
	if err := setRow(f, sheet, 1, []any{"Programme", "School", "Role", "GroupId", "StartDate", "EndDate", "Lead", "Cost"}); err != nil {
		return fmt.Errorf("synth: %s: %w", rel, err)
	}
	line := 2
	for i, e := range es {
		if i == 5 || i == 12 { // blank rows left by hand editing
			line++
		}
		prog, role, lead := e.prog, e.role, e.lead
		switch i {
		case 1, 14:
			prog += " "
		case 6:
			role += " "
		case 9:
			lead += " "
		}
		var school any = e.s.URN
		switch i {
		case 7:
			school = e.s.Name
			g.truth.Programme.NamedInRegister = append(g.truth.Programme.NamedInRegister, e.s.URN)
		case 16:
			school = e.s.Name
			g.truth.Placebo.NamedInRegister = append(g.truth.Placebo.NamedInRegister, e.s.URN)
		}
		if err := setRow(f, sheet, line, []any{prog, school, role, e.group, start, end, lead, e.cost}); err != nil {
			return fmt.Errorf("synth: %s: %w", rel, err)
		}
		if err := f.SetCellStyle(sheet, fmt.Sprintf("E%d", line), fmt.Sprintf("F%d", line), dateStyle); err != nil {
			return fmt.Errorf("synth: %s: %w", rel, err)
		}
		line++
	}
	// Rows an officer gets wrong, after the good ones: a comparison school
	// whose name is misspelt (it resolves to no school, so it is held back
	// with the school it resembles named), a row whose programme was left
	// blank, and one whose dates were swapped. The last two are
	// quarantined.
	other := g.unprogrammedSchool()
	misspelt := misspell(other.Name)
	g.truth.Programme.Unresolved = append(g.truth.Programme.Unresolved, misspelt)
	g.truth.Programme.UnresolvedCandidate = other.URN
	bad := [][]any{
		{ProgrammeName, misspelt, "comparison", "", start, end, "", nil},
		{"", es[0].s.URN, "participant", es[0].group, start, end, "head", 15000},
		{PlaceboName, es[len(es)-1].s.URN, "participant", es[len(es)-1].group, end, start, "senco", 8000},
	}
	for _, row := range bad {
		if err := setRow(f, sheet, line, row); err != nil {
			return fmt.Errorf("synth: %s: %w", rel, err)
		}
		if err := f.SetCellStyle(sheet, fmt.Sprintf("E%d", line), fmt.Sprintf("F%d", line), dateStyle); err != nil {
			return fmt.Errorf("synth: %s: %w", rel, err)
		}
		line++
	}
	if err := f.SaveAs(filepath.Join(g.landing, filepath.FromSlash(rel))); err != nil {
		return fmt.Errorf("synth: %s: %w", rel, err)
	}
	g.truth.record(FileStats{Path: rel, Source: SourceInterventions, Rows: len(es) + len(bad),
		Bad: map[string]int{"missing_programme": 1, "end_before_start": 1}, Flagged: map[string]int{}})
	return nil
}

// unprogrammedSchool returns the first school, by URN, in neither
// programme.
func (g *generator) unprogrammedSchool() *school {
	in := map[*school]bool{}
	for _, gr := range append(append([]*group(nil), g.triads...), g.pairs...) {
		for _, s := range gr.schools {
			in[s] = true
		}
	}
	for _, s := range g.schools {
		if !in[s] {
			return s
		}
	}
	panic("synth: every school is in a programme")
}

// misspell drops the second letter of the name's last word of four or more
// letters, as a hurried typist does ("Primary" becomes "Pimary").
func misspell(name string) string {
	words := strings.Fields(name)
	for i := len(words) - 1; i >= 0; i-- {
		if w := words[i]; len(w) >= 4 {
			words[i] = w[:1] + w[2:]
			return strings.Join(words, " ")
		}
	}
	return name + "e"
}
