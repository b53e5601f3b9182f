// Package ks4 is the end of key stage 4 connector: Attainment 8 and its
// elements, the KS2 prior attainment baseline, Progress 8 as DfE supplied
// it, English and maths GCSE grades and the headline flags, one row per
// pupil. KS4 files are often keyed by URN alone.
package ks4

import (
	"github.com/edwh/edwh/connectors"
	"github.com/edwh/edwh/connectors/census"
)

// Source is the KS4 results. An extract is identified by school and
// academic year: a re-issue supersedes the earlier rows for that school and
// year, which stay in raw.ks4 as history.
//
// Attainment 8 is mandatory (0–90: ten slots of at most 9 points). Its
// elements are bounded by their slots: English and maths two slots each
// (0–18), EBacc and open three each (0–27). Whether the elements add up to
// Attainment 8 is a data check on stg.ks4, not a reason to drop the row.
var Source = &connectors.Source{
	Name:        "ks4",
	Table:       "raw.ks4",
	Description: "end of KS4 results, one row per pupil",
	SchoolKey:   true,
	Version:     1,
	Fields: []connectors.Field{
		{Name: "upn", Header: "UPN", Aliases: []string{"Unique Pupil Number", "PupilUPN", "Pupil UPN"},
			Kind: connectors.UPN, Required: true, Identifying: true},
		{Name: "academic_year", Header: "AcademicYear", Aliases: []string{"Academic year", "AcadYr", "Academic_Yr", "time_period", "Exam year"},
			Kind: connectors.AcademicYear, Required: true},
		{Name: "att8", Header: "Att8", Aliases: []string{"Attainment 8", "Attainment8", "ATT8SCR", "KS4_ATT8", "A8"},
			Kind: connectors.Number, Required: true, Min: 0, Max: 90},
		{Name: "att8_eng", Header: "Att8Eng", Aliases: []string{"Attainment 8 English", "ATT8SCRENG", "KS4_ATT8ENG", "A8 English"},
			Kind: connectors.Number, Min: 0, Max: 18},
		{Name: "att8_mat", Header: "Att8Mat", Aliases: []string{"Attainment 8 maths", "ATT8SCRMAT", "KS4_ATT8MAT", "A8 Maths"},
			Kind: connectors.Number, Min: 0, Max: 18},
		{Name: "att8_ebacc", Header: "Att8EBacc", Aliases: []string{"Attainment 8 EBacc", "ATT8SCREBAC", "KS4_ATT8EBAC", "A8 EBacc"},
			Kind: connectors.Number, Min: 0, Max: 27},
		{Name: "att8_open", Header: "Att8Open", Aliases: []string{"Attainment 8 open", "ATT8SCROPEN", "KS4_ATT8OPEN", "A8 Open"},
			Kind: connectors.Number, Min: 0, Max: 27},
		// The baseline is the average of KS2 reading and maths scaled scores
		// (80–120), or a KS2 fine level or point score for cohorts assessed
		// under levels; either fits 0–120.
		{Name: "ks2_baseline", Header: "KS2Baseline", Aliases: []string{"KS2 baseline", "KS2APS", "KS2_APS", "Prior attainment", "KS2 average"},
			Kind: connectors.Number, Min: 0, Max: 120},
		{Name: "p8", Header: "P8", Aliases: []string{"Progress 8", "Progress8", "P8SCORE", "KS4_P8", "P8 score"},
			Kind: connectors.Number, Min: -15, Max: 15, Doc: "pupil Progress 8 score as supplied by DfE"},
		{Name: "english_grade", Header: "EnglishGrade", Aliases: []string{"English grade", "Eng grade", "GCSE English", "EnglishBest"},
			Kind: connectors.Int, Min: 0, Max: 9},
		{Name: "maths_grade", Header: "MathsGrade", Aliases: []string{"Maths grade", "Mat grade", "GCSE Maths", "MathGrade"},
			Kind: connectors.Int, Min: 0, Max: 9},
		{Name: "ebacc_entered", Header: "EBaccEntered", Aliases: []string{"EBacc entered", "EBACC_E", "Entered EBacc"}, Kind: connectors.Bool},
		{Name: "eng_mat_94", Header: "EngMat94", Aliases: []string{"EM94", "Eng Mat 9-4", "L2BASICS_94", "Basics 4+"}, Kind: connectors.Bool},
		{Name: "eng_mat_95", Header: "EngMat95", Aliases: []string{"EM95", "Eng Mat 9-5", "L2BASICS_95", "Basics 5+"}, Kind: connectors.Bool},
	},
	Drop:      census.Source.Drop,
	Supersede: []string{`coalesce(CAST({laestab} AS VARCHAR), 'urn' || CAST({urn} AS VARCHAR))`, `{academic_year}`},
}
