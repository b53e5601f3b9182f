package synth

import (
	"fmt"
	"math/rand/v2"
	"time"
)

// censusColumns are the census columns in their usual order and spelling.
var censusColumns = [...]string{
	"UPN", "Surname", "Forename", "LAESTAB", "CensusDate", "NCyearActual", "Gender", "DOB",
	"Ethnicity", "FirstLanguage", "SENprovision", "SENPrimaryNeed", "FSMeligible", "EverFSM6",
	"LookedAfter", "AdoptedFromCare", "Postcode",
}

// censusVariant is the layout of the one census year that comes from
// different MIS software: LA and ESTAB instead of LAESTAB, other column
// order, and header spellings that differ in case, spaces and underscores.
// keys gives the canonical name of each column.
var censusVariant = struct{ keys, header [18]string }{
	keys: [...]string{"LA", "ESTAB", "UPN", "Surname", "Forename", "CensusDate", "NCyearActual", "Gender", "DOB",
		"Ethnicity", "FirstLanguage", "SENprovision", "SENPrimaryNeed", "FSMeligible", "EverFSM6",
		"LookedAfter", "AdoptedFromCare", "Postcode"},
	header: [...]string{"LA", "ESTAB", "upn", "surname", "forename", "Census Date", "NC_Year_Actual", "gender", "dob",
		"ethnicity", "First Language", "SEN provision", "SEN_Primary_Need", "FSM eligible", "Ever_FSM_6",
		"looked_after", "Adopted From Care", "postcode"},
}

// Which census year gets which quirk, by academic year index.
const (
	censusVariantYear = 1 // LA + ESTAB and variant headers
	census1252Year    = 2 // Windows-1252
	censusBOMYear     = 3 // UTF-8 with BOM
)

// censusDate is the spring census day: the third Thursday of January.
func censusDate(year int) time.Time {
	d := date(year+1, time.January, 1)
	for d.Weekday() != time.Thursday {
		d = d.AddDate(0, 0, 1)
	}
	return d.AddDate(0, 0, 14)
}

// censusFormat returns the date format and encoding of year index yi.
// Formats alternate between UK and ISO dates.
func censusFormat(yi int) (func(time.Time) string, csvOptions) {
	format := ukDate
	if yi%2 == 1 {
		format = isoDate
	}
	var opt csvOptions
	switch yi {
	case census1252Year:
		opt = csvOptions{cp1252: true, crlf: true}
	case censusBOMYear:
		opt = csvOptions{bom: true, crlf: true}
	}
	return format, opt
}

// writeCensus writes the spring census of year index yi and, in the last
// year, the corrected re-issue of one primary school's extract.
func (g *generator) writeCensus(yi int, roll []*pupil) error {
	year := g.year(yi)
	format, opt := censusFormat(yi)
	keys, header := censusColumns[:], censusColumns[:]
	if yi == censusVariantYear {
		keys, header = censusVariant.keys[:], censusVariant.header[:]
	}
	newTable := func(rel string) *table {
		t := &table{source: SourceCensus, rel: rel, header: header}
		t.setColumns(keys)
		return t
	}
	t := newTable(fmt.Sprintf("census/census_spring_%d.csv", year+1))
	cd := format(censusDate(year))
	last := yi == g.cfg.Years-1
	var reissueRows []int
	for _, p := range roll {
		rec := [len(censusColumns)]string{
			p.upn, p.surname, p.forename, itoa(p.school.LAESTAB), cd, ncYear(p.nc), string(p.gender), format(p.dob),
			p.eth, p.lang, string(p.sen), p.need, flag(p.fsm), flag(p.ever6(year)),
			flag(p.lac), flag(p.adopted), p.postcode,
		}
		row := make([]string, len(keys))
		for i, k := range keys {
			switch k {
			case "LA":
				row[i] = itoa(p.school.LACode)
			case "ESTAB":
				row[i] = fmt.Sprintf("%04d", p.school.EstablishmentNumber)
			default:
				row[i] = rec[canonIndex(k)]
			}
		}
		reissue := last && p.school.URN == g.truth.Reissue.URN
		if reissue {
			reissueRows = append(reissueRows, len(t.rows))
		}
		t.rows = append(t.rows, row)
		t.protect = append(t.protect, temporaryUPN(p.upn) || reissue)
	}

	var reissue *table
	if last {
		reissue = g.prepareReissue(t, newTable, reissueRows)
	}

	nc, sen, cdc, eth, dob := t.col("NCyearActual"), t.col("SENprovision"), t.col("CensusDate"), t.col("Ethnicity"), t.col("DOB")
	defs := append(upnDefects(t),
		defect{kind: "missing_ncyear", quarantine: true, apply: func(_ *rand.Rand, row []string) { row[nc] = "" }},
		defect{kind: "bad_sen_provision", quarantine: true, apply: func(r *rand.Rand, row []string) {
			row[sen] = []string{"Z", "9", "X"}[r.IntN(3)]
		}},
		defect{kind: "bad_census_date", quarantine: true, apply: func(r *rand.Rand, row []string) {
			row[cdc] = []string{fmt.Sprintf("31/02/%d", year+1), "spring", fmt.Sprintf("%d-02-30", year+1)}[r.IntN(3)]
		}},
		defect{kind: "unknown_ethnicity", apply: func(_ *rand.Rand, row []string) { row[eth] = "WXYZ" }},
		defect{kind: "bad_dob", apply: func(_ *rand.Rand, row []string) {
			row[dob] = fmt.Sprintf("%d-13-45", year-7)
		}},
	)
	t.spoil(g.stream("census-defects", yi), g.cfg.BadRowRate, defs)
	if err := g.emit(t, opt); err != nil {
		return err
	}
	if reissue == nil {
		return nil
	}
	// Written after the LA file, as a re-issue arrives later.
	return g.emit(reissue, opt)
}

// prepareReissue builds the corrected re-issue for the re-issue school,
// whose rows in the LA file t are rows. The re-issue keeps the true values;
// a few of the LA file's rows get the stale SEN values that the re-issue
// corrects.
func (g *generator) prepareReissue(t *table, newTable func(string) *table, rows []int) *table {
	yi := g.cfg.Years - 1
	rel := fmt.Sprintf("census/census_spring_%d_%d_reissue.csv", g.year(yi)+1, g.truth.Reissue.URN)
	re := newTable(rel)
	for _, i := range rows {
		re.rows = append(re.rows, append([]string(nil), t.rows[i]...))
	}
	re.spoil(nil, -1, nil)
	r := g.stream("reissue", 0)
	sen, need, upn := t.col("SENprovision"), t.col("SENPrimaryNeed"), t.col("UPN")
	order := r.Perm(len(rows))
	n := min(4, len(rows))
	for _, k := range order[:n] {
		row := t.rows[rows[k]]
		switch row[sen] {
		case "N":
			row[sen], row[need] = "K", needFor(r, 'K')
		case "K":
			row[sen], row[need] = "N", ""
		default:
			row[sen] = "K"
		}
		g.truth.Reissue.CorrectedUPN = append(g.truth.Reissue.CorrectedUPN, row[upn])
	}
	g.truth.Reissue.Path = rel
	g.truth.Reissue.TimePeriod = g.timePeriod(yi)
	g.truth.Reissue.Rows = len(re.rows)
	g.truth.Reissue.CorrectedSEN = n
	return re
}

// canonIndex returns the position of a canonical census column.
func canonIndex(k string) int {
	for i, c := range censusColumns {
		if c == k {
			return i
		}
	}
	panic("synth: unknown census column " + k)
}

// ncYear writes a national curriculum year: R for reception.
func ncYear(nc int) string {
	if nc == 0 {
		return "R"
	}
	return itoa(nc)
}
