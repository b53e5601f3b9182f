// Package perfks4 is the performance tables key stage 4 download
// (england_ks4final.csv, england_ks4provisional.csv, or one LA's
// NNN_ks4final.csv): one row per school, plus one per local authority and
// the national rows, told apart by RECTYPE. Every column of the file is kept
// in raw.perf_ks4_wide; the headline and disadvantage measures are staged
// in raw.perf_ks4 under readable names, each column's comment naming its
// DfE field code.
package perfks4

import "github.com/edwh/edwh/connectors"

// measure is connectors.MeasureField, short for the long lists below.
var measure = connectors.MeasureField

// Record types of the KS4 file (ks4_final_meta.csv, 2018-19).
const (
	RecSchool         = 1 // mainstream school
	RecSpecial        = 2 // special school
	RecLA             = 4 // local authority
	RecNational       = 5 // national, all schools
	RecNationalFunded = 7 // national, maintained (state-funded) schools
)

// Source is the KS4 performance tables file. Its academic year comes from
// its folder or name (performance-tables-2018-19/england_ks4provisional.csv);
// the provisional or final release from its name (stg.perf_ks4).
var Source = &connectors.Source{
	Name:         "perf_ks4",
	Table:        "raw.perf_ks4",
	Description:  "performance tables KS4 file (school, LA and national rows; provisional or final)",
	YearFromPath: true,
	Wide:         true,
	PadShortRows: true,
	Version:      1,
	Fields: []connectors.Field{
		{Name: "rectype", Header: "RECTYPE", Kind: connectors.Int, Required: true, Min: 1, Max: 9,
			Doc: "record type: 1 mainstream school, 2 special school, 4 local authority, 5 national (all schools), 7 national (maintained schools)"},
		{Name: "la", Header: "LEA", Aliases: []string{"LA"}, Kind: connectors.LACode, Doc: "local authority code"},
		{Name: "estab", Header: "ESTAB", Kind: connectors.Estab, Doc: "establishment number"},
		{Name: "urn", Header: "URN", Kind: connectors.URN, Doc: "school unique reference number"},
		{Name: "school_name", Header: "SCHNAME", Kind: connectors.Text, Doc: "school name"},
		{Name: "school_type", Header: "NFTYPE", Kind: connectors.Text, Doc: "school type (AC, CY, VA, ACC, IND, ...)"},
		measure("pupils", "TPUP", "number of pupils at the end of key stage 4"),
		measure("att8", "ATT8SCR", "average Attainment 8 score per pupil"),
		measure("p8_pupils", "P8PUP", "number of pupils included in the Progress 8 measure"),
		measure("p8_adjusted_pupils", "TP8ADJ", "number of pupils whose P8 score was adjusted (extreme negative scores)"),
		measure("p8", "P8MEA", "Progress 8 measure after adjustment for extreme scores"),
		measure("p8_ci_low", "P8CILOW", "Progress 8 lower 95% confidence limit"),
		measure("p8_ci_high", "P8CIUPP", "Progress 8 upper 95% confidence limit"),
		measure("p8_unadjusted", "P8MEA_ORIG", "Progress 8 measure based on unadjusted pupil scores"),
		measure("p8_banding", "P8_BANDING", "Progress 8 banding: 1 well above average ... 5 well below average"),
		measure("eng_maths_4plus_pct", "PTL2BASICS_94", "% of pupils achieving standard 9-4 passes in both English and maths GCSEs"),
		measure("eng_maths_5plus_pct", "PTL2BASICS_95", "% of pupils achieving strong 9-5 passes in both English and maths GCSEs"),
		measure("ebacc_aps", "EBACCAPS", "average EBacc average point score per pupil"),
		measure("ebacc_entry_pct", "PTEBACC_E_PTQ_EE", "% of pupils with entries in all English Baccalaureate subject areas"),
		measure("ebacc_4plus_pct", "PTEBACC_94", "% of pupils achieving the EBacc with standard 9-4 passes"),
		measure("ebacc_5plus_pct", "PTEBACC_95", "% of pupils achieving the EBacc with strong 9-5 passes"),
		measure("disadv_pupils", "TFSM6CLA1A", "number of disadvantaged pupils at the end of key stage 4"),
		measure("other_pupils", "TNOTFSM6CLA1A", "number of non-disadvantaged pupils at the end of key stage 4"),
		measure("att8_disadv", "ATT8SCR_FSM6CLA1A", "average Attainment 8 score per disadvantaged pupil"),
		measure("att8_other", "ATT8SCR_NFSM6CLA1A", "average Attainment 8 score per non-disadvantaged pupil"),
		measure("p8_pupils_disadv", "P8PUP_FSM6CLA1A", "number of disadvantaged pupils in the Progress 8 measure"),
		measure("p8_pupils_other", "P8PUP_NFSM6CLA1A", "number of non-disadvantaged pupils in the Progress 8 measure"),
		measure("p8_disadv", "P8MEA_FSM6CLA1A", "adjusted Progress 8 measure, disadvantaged pupils"),
		measure("p8_other", "P8MEA_NFSM6CLA1A", "adjusted Progress 8 measure, non-disadvantaged pupils"),
		measure("att8_gap_national", "DIFFN_ATT8", "Attainment 8 of disadvantaged pupils in the school/LA minus that of non-disadvantaged pupils nationally"),
		measure("p8_gap_national", "DIFFN_P8MEA", "Progress 8 of disadvantaged pupils in the school/LA minus that of non-disadvantaged pupils nationally"),
		measure("eng_maths_4plus_disadv_pct", "PTFSM6CLA1ABASICS_94", "% of disadvantaged pupils achieving 9-4 passes in GCSE English and maths"),
		measure("eng_maths_4plus_other_pct", "PTNOTFSM6CLA1ABASICS_94", "% of non-disadvantaged pupils achieving 9-4 passes in GCSE English and maths"),
		measure("eng_maths_5plus_disadv_pct", "PTFSM6CLA1ABASICS_95", "% of disadvantaged pupils achieving 9-5 passes in GCSE English and maths"),
		measure("eng_maths_5plus_other_pct", "PTNOTFSM6CLA1ABASICS_95", "% of non-disadvantaged pupils achieving 9-5 passes in GCSE English and maths"),
		measure("ebacc_aps_disadv", "EBACCAPS_FSM6CLA1A", "average EBacc APS per disadvantaged pupil"),
		measure("ebacc_aps_other", "EBACCAPS_NFSM6CLA1A", "average EBacc APS per non-disadvantaged pupil"),
		measure("p8_pupils_boys", "P8PUP_BOYS", "number of boys included in the Progress 8 measure"),
		measure("p8_pupils_girls", "P8PUP_GIRLS", "number of girls included in the Progress 8 measure"),
		measure("att8_boys", "ATT8SCR_BOYS", "average Attainment 8 score per boy"),
		measure("att8_girls", "ATT8SCR_GIRLS", "average Attainment 8 score per girl"),
		measure("p8_boys", "P8MEA_BOYS", "adjusted Progress 8 measure, boys"),
		measure("p8_girls", "P8MEA_GIRLS", "adjusted Progress 8 measure, girls"),
	},
	RowRules: []connectors.RowRule{
		{Bad: `rectype NOT IN (1, 2, 4, 5, 7)`, Column: "rectype",
			Reason: "unknown RECTYPE: a KS4 file has 1 (mainstream school), 2 (special), 4 (LA), 5 and 7 (national)"},
		{Bad: `rectype IN (1, 2) AND urn IS NULL`, Column: "urn",
			Reason: "a school row (RECTYPE 1 or 2) without a valid 6-digit URN"},
		{Bad: `rectype = 4 AND la IS NULL`, Column: "la",
			Reason: "a local authority row (RECTYPE 4) without a valid 3-digit LEA code"},
	},
	Supersede: []string{`{rectype}`, `{la}`, `{urn}`, `{time_period}`},
}
