// Package p8estimates is DfE's published Attainment 8 estimates: for each
// KS4 year, the national mean Attainment 8 (and each element's mean) of
// the pupils in each prior attainment group (PAG), a band of the KS2
// baseline. A pupil's Progress 8 is (Attainment 8 - the estimate of the
// band holding their baseline) / 10 (reference/dfe-methods.md 1.4-1.5).
//
// One row per band and year. The baseline is a KS2 fine level or average
// point score for KS4 cohorts who sat KS2 under levels (KS4 up to 2019/20)
// and the average of the KS2 reading and maths scaled scores for later ones
// (Progress 8 resumed in 2022/23); the bounds are read as numbers either way
// and compared with the pupil's KS2Baseline as the KS4 file gives it
// (stg.p8_estimates says which band holds a baseline).
//
// The year is the KS4 academic year the estimates are for (the year of the
// results they are compared with), from an academic year column where the
// file has one, else from its folder or name (p8_estimates/2018-19/, or
// config); a file whose year cannot be known is refused.
//
// A table of single baseline values (an estimate for each KS2 fine level,
// as DfE's 2013 table gave them) has no upper bound column: each row then
// covers its one value.
package p8estimates

import "github.com/edwh/edwh/connectors"

// Source is the published Attainment 8 estimates. A file for a year
// supersedes the rows an earlier file gave for that year (DfE revises the
// estimates with the final results); the earlier rows stay in
// raw.p8_estimates as history.
//
// Bounds are numbers from 0 to 120 (a fine level, a point score or a
// scaled score average all fit). The estimated Attainment 8 is mandatory
// (0-90: ten slots of at most 9 points); element estimates are bounded by
// their slots, English and maths 0-18, EBacc and open 0-27, and a bad one
// is nulled and recorded, the band kept.
var Source = &connectors.Source{
	Name:         "p8_estimates",
	Table:        "raw.p8_estimates",
	Description:  "DfE's published Attainment 8 estimates by KS2 prior attainment band, per KS4 year (for Progress 8)",
	YearFromPath: true,
	YearField:    "academic_year",
	Version:      1,
	Fields: []connectors.Field{
		{Name: "academic_year", Header: "AcademicYear", Kind: connectors.AcademicYear,
			Aliases: []string{"Academic year", "time_period", "KS4 year", "Exam year", "KS4 academic year"},
			Doc:     "the KS4 academic year the estimates are for, when the file says it (time_period holds the year used)"},
		{Name: "pag", Header: "PAG", Kind: connectors.Int, Min: 1, Max: 999,
			Aliases: []string{"Prior attainment group", "PAG number", "Prior attainment group number", "KS2 PAG", "KS2 prior attainment group"},
			Doc:     "DfE's number of the prior attainment group, when the file gives it"},
		{Name: "ks2_lower", Header: "KS2 prior attainment lower bound", Kind: connectors.Number, Required: true, Min: 0, Max: 120,
			Aliases: []string{"Lower", "Lower bound", "Lower limit", "KS2 lower bound", "KS2 prior attainment: lower bound",
				"Prior attainment lower bound", "KS2 fine level lower bound", "Average KS2 fine level lower bound", "KS2 APS lower bound",
				"KS2 average scaled score lower bound", "Average KS2 scaled score lower bound",
				"Average KS2 fine level", "KS2 fine level", "Average KS2 point score", "KS2 APS", "Average KS2 scaled score", "From"},
			Doc: "lowest KS2 baseline in the band (a fine level or point score while KS2 was levelled, an average scaled score after)"},
		{Name: "ks2_upper", Header: "KS2 prior attainment upper bound", Kind: connectors.Number, Min: 0, Max: 120,
			Aliases: []string{"Upper", "Upper bound", "Upper limit", "KS2 upper bound", "KS2 prior attainment: upper bound",
				"Prior attainment upper bound", "KS2 fine level upper bound", "Average KS2 fine level upper bound", "KS2 APS upper bound",
				"KS2 average scaled score upper bound", "Average KS2 scaled score upper bound", "To"},
			Doc: "highest KS2 baseline in the band; a file without this column lists single baseline values"},
		{Name: "est_att8", Header: "Estimated Attainment 8 score", Kind: connectors.Number, Required: true, Min: 0, Max: 90,
			Aliases: []string{"Estimated Attainment 8", "Attainment 8 estimate", "Attainment 8 estimates", "Estimated A8", "A8 estimate",
				"Est A8", "Estimated ATT8", "ATT8 estimate"},
			Doc: "national mean Attainment 8 of the pupils in the band"},
		{Name: "est_eng", Header: "English element", Kind: connectors.Number, Min: 0, Max: 18,
			Aliases: []string{"Estimated English element", "English element estimate", "Estimated English", "Est English", "English"},
			Doc:     "national mean English element points (two slots) in the band"},
		{Name: "est_mat", Header: "Maths element", Kind: connectors.Number, Min: 0, Max: 18,
			Aliases: []string{"Estimated maths element", "Maths element estimate", "Mathematics element", "Estimated maths", "Est maths", "Maths"},
			Doc:     "national mean maths element points (two slots) in the band"},
		{Name: "est_ebacc", Header: "EBacc element", Kind: connectors.Number, Min: 0, Max: 27,
			Aliases: []string{"Estimated EBacc element", "EBacc element estimate", "English Baccalaureate element", "Estimated EBacc", "Est EBacc", "EBacc"},
			Doc:     "national mean EBacc element points (three slots) in the band"},
		{Name: "est_open", Header: "Open element", Kind: connectors.Number, Min: 0, Max: 27,
			Aliases: []string{"Estimated open element", "Open element estimate", "Estimated open", "Est open", "Open"},
			Doc:     "national mean open element points (three slots) in the band"},
		{Name: "p8_cap", Header: "P8 cap", Kind: connectors.Number, Min: -15, Max: 0,
			Aliases: []string{"Minimum P8 score", "Minimum progress score", "P8 minimum score", "Capped P8 score", "P8 cap value"},
			Doc:     "the lowest pupil P8 score counted in school averages for the band (DfE's cap of extreme negative scores), when the file gives it; blank for a band DfE does not cap"},
	},
	RowRules: []connectors.RowRule{
		{Bad: `ks2_lower > ks2_upper`, Column: "ks2_upper",
			Reason: "upper bound below the lower bound"},
		{Bad: `ks2_upper IS NULL AND count(ks2_upper) OVER () > 0`, Column: "ks2_upper",
			Reason: "no upper bound (blank, or not a valid one), though other bands of the file have one: give every band both bounds"},
		{Bad: overlaps, Column: "ks2_lower",
			Reason: "band overlaps another band of the same year: a baseline must fall in one band only (bands may touch, one's upper bound the next one's lower bound); both bands are quarantined, correct the bounds and load the file again"},
	},
	Supersede: []string{`{time_period}`},
}

// overlaps is true for a valid band (lower <= upper; a row without an
// upper bound covers its lower bound) of a known year that shares a baseline
// other than a touching bound with another valid band of that year: sorted
// by lower bound, it starts below the highest upper bound before it, or
// ends above the lowest lower bound after it, or starts where another
// starts. Both bands of an overlap are caught, since neither can be
// trusted over the other.
const overlaps = `_time_period IS NOT NULL AND ks2_lower IS NOT NULL AND ks2_lower <= coalesce(ks2_upper, ks2_lower) AND (
	count(CASE WHEN ks2_lower <= coalesce(ks2_upper, ks2_lower) THEN 1 END) OVER (PARTITION BY _time_period, ks2_lower) > 1
	OR ks2_lower < max(CASE WHEN ks2_lower <= coalesce(ks2_upper, ks2_lower) THEN coalesce(ks2_upper, ks2_lower) END) OVER (
		PARTITION BY _time_period ORDER BY ks2_lower, _rec ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
	OR coalesce(ks2_upper, ks2_lower) > min(CASE WHEN ks2_lower <= coalesce(ks2_upper, ks2_lower) THEN ks2_lower END) OVER (
		PARTITION BY _time_period ORDER BY ks2_lower, _rec ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING))`
