// Package perfks2 is the performance tables key stage 2 download
// (england_ks2final.csv, or one LA's NNN_ks2final.csv, or a file named by
// year and LA such as 2018-850-ks2.csv): one row per school, plus the local
// authority and national rows, told apart by RECTYPE. Every column of the
// file is kept in raw.perf_ks2_wide (290 to 330 columns, differing between
// years); the headline and disadvantage measures are staged in raw.perf_ks2
// under readable names, each column's comment naming its DfE field code.
package perfks2

import "github.com/edwh/edwh/connectors"

// measure is connectors.MeasureField, short for the long lists below.
var measure = connectors.MeasureField

// Record types of the KS2 file (ks2_meta.csv, 2018-19). They differ from
// the KS4 file's, where the LA row is RECTYPE 4.
const (
	RecSchool         = 1 // mainstream school
	RecSpecial        = 2 // special school
	RecLA             = 3 // local authority
	RecNational       = 4 // national, all schools
	RecNationalFunded = 5 // national, state-funded schools only
)

// Source is the KS2 performance tables file. Its academic year comes from
// its folder or name: 2018-850-ks2.csv is 2018/19.
var Source = &connectors.Source{
	Name:         "perf_ks2",
	Table:        "raw.perf_ks2",
	Description:  "performance tables KS2 file (school, LA and national rows)",
	YearFromPath: true,
	Wide:         true,
	PadShortRows: true,
	Version:      1,
	Fields: []connectors.Field{
		{Name: "rectype", Header: "RECTYPE", Kind: connectors.Int, Required: true, Min: 1, Max: 9,
			Doc: "record type: 1 mainstream school, 2 special school, 3 local authority, 4 national (all schools), 5 national (state-funded schools)"},
		{Name: "la", Header: "LEA", Aliases: []string{"LA"}, Kind: connectors.LACode, Doc: "local authority code"},
		{Name: "estab", Header: "ESTAB", Kind: connectors.Estab, Doc: "establishment number"},
		{Name: "urn", Header: "URN", Kind: connectors.URN, Doc: "school unique reference number"},
		{Name: "school_name", Header: "SCHNAME", Kind: connectors.Text, Doc: "school name (the LA's name on the LA row)"},
		{Name: "school_type", Header: "NFTYPE", Kind: connectors.Text, Doc: "school type (AC, CY, VA, ACC, CYS, ...)"},
		measure("pupils", "TELIG", "published eligible pupil number (pupils at the end of key stage 2)"),
		measure("boys", "BELIG", "eligible boys on roll at the time of the tests"),
		measure("girls", "GELIG", "eligible girls on roll at the time of the tests"),
		measure("rwm_expected_pct", "PTRWM_EXP", "% of pupils reaching the expected standard in reading, writing and maths"),
		measure("rwm_high_pct", "PTRWM_HIGH", "% of pupils achieving a high score in reading and maths and working at greater depth in writing"),
		measure("reading_progress", "READPROG", "reading progress measure"),
		measure("writing_progress", "WRITPROG", "writing progress measure"),
		measure("maths_progress", "MATPROG", "maths progress measure"),
		measure("reading_score", "READ_AVERAGE", "average scaled score in reading"),
		measure("maths_score", "MAT_AVERAGE", "average scaled score in maths"),
		measure("gps_score", "GPS_AVERAGE", "average scaled score in grammar, punctuation and spelling"),
		measure("reading_expected_pct", "PTREAD_EXP", "% of pupils reaching the expected standard in reading"),
		measure("writing_expected_pct", "PTWRITTA_EXP", "% of pupils reaching the expected standard in writing (teacher assessment)"),
		measure("maths_expected_pct", "PTMAT_EXP", "% of pupils reaching the expected standard in maths"),
		measure("disadv_pupils", "TFSM6CLA1A", "number of disadvantaged pupils at the end of key stage 2"),
		measure("other_pupils", "TNotFSM6CLA1A", "number of non-disadvantaged pupils at the end of key stage 2"),
		measure("rwm_expected_disadv_pct", "PTRWM_EXP_FSM6CLA1A", "% of disadvantaged pupils reaching the expected standard in RWM"),
		measure("rwm_expected_other_pct", "PTRWM_EXP_NotFSM6CLA1A", "% of non-disadvantaged pupils reaching the expected standard in RWM"),
		measure("rwm_expected_gap_national", "DIFFN_RWM_EXP", "RWM expected % of disadvantaged pupils in the school/LA minus that of non-disadvantaged pupils nationally"),
		measure("rwm_high_disadv_pct", "PTRWM_HIGH_FSM6CLA1A", "% of disadvantaged pupils achieving a high score in RWM"),
		measure("rwm_high_other_pct", "PTRWM_HIGH_NotFSM6CLA1A", "% of non-disadvantaged pupils achieving a high score in RWM"),
		measure("rwm_high_gap_national", "DIFFN_RWM_HIGH", "RWM high % of disadvantaged pupils in the school/LA minus that of non-disadvantaged pupils nationally"),
		measure("reading_progress_disadv", "READPROG_FSM6CLA1A", "reading progress measure, disadvantaged pupils"),
		measure("reading_progress_other", "READPROG_NotFSM6CLA1A", "reading progress measure, non-disadvantaged pupils"),
		measure("reading_progress_gap_national", "DIFFN_READPROG", "reading progress of disadvantaged pupils minus that of non-disadvantaged pupils nationally"),
		measure("writing_progress_disadv", "WRITPROG_FSM6CLA1A", "writing progress measure, disadvantaged pupils"),
		measure("writing_progress_other", "WRITPROG_NotFSM6CLA1A", "writing progress measure, non-disadvantaged pupils"),
		measure("writing_progress_gap_national", "DIFFN_WRITPROG", "writing progress of disadvantaged pupils minus that of non-disadvantaged pupils nationally"),
		measure("maths_progress_disadv", "MATPROG_FSM6CLA1A", "maths progress measure, disadvantaged pupils"),
		measure("maths_progress_other", "MATPROG_NotFSM6CLA1A", "maths progress measure, non-disadvantaged pupils"),
		measure("maths_progress_gap_national", "DIFFN_MATPROG", "maths progress of disadvantaged pupils minus that of non-disadvantaged pupils nationally"),
		measure("rwm_expected_boys_pct", "PTRWM_EXP_B", "% of boys reaching the expected standard in RWM"),
		measure("rwm_expected_girls_pct", "PTRWM_EXP_G", "% of girls reaching the expected standard in RWM"),
		measure("rwm_high_boys_pct", "PTRWM_HIGH_B", "% of boys achieving a high score in RWM"),
		measure("rwm_high_girls_pct", "PTRWM_HIGH_G", "% of girls achieving a high score in RWM"),
	},
	RowRules: []connectors.RowRule{
		{Bad: `rectype NOT IN (1, 2, 3, 4, 5)`, Column: "rectype",
			Reason: "unknown RECTYPE: a KS2 file has 1 (mainstream school), 2 (special), 3 (LA), 4 and 5 (national)"},
		{Bad: `rectype IN (1, 2) AND urn IS NULL`, Column: "urn",
			Reason: "a school row (RECTYPE 1 or 2) without a valid 6-digit URN"},
		{Bad: `rectype = 3 AND la IS NULL`, Column: "la",
			Reason: "a local authority row (RECTYPE 3) without a valid 3-digit LEA code"},
	},
	Supersede: []string{`{rectype}`, `{la}`, `{urn}`, `{time_period}`},
}
