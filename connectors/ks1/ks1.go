// Package ks1 is the key stage 1 connector: the phonics screening check
// (end of Year 1, and retakes in Year 2) and the end of KS1 teacher
// assessments in reading, writing and maths, one row per pupil.
//
// A row may carry a phonics result, teacher assessments, or both: many MIS
// exports put the two collections in one file, others send them apart. The
// two parts are superseded separately, so a phonics file does not replace
// the teacher assessments of the same school and year (see stg.ks1).
package ks1

import (
	"github.com/edwh/edwh/connectors"
	"github.com/edwh/edwh/connectors/census"
)

// PhonicsCodes are the phonics screening check outcome codes accepted in
// place of a mark: A absent, D disapplied, L left, Q maladministration, U
// unable to access, M missing, X no result, and WA / WT (met / did not meet
// the standard) from exports that give the outcome without the mark.
var PhonicsCodes = []string{"A", "D", "L", "Q", "U", "M", "X", "WA", "WT"}

// TACodes are the end of KS1 teacher assessment outcomes: GDS greater
// depth, EXS expected standard, WTS working towards, HNM has not met
// (science), the pre-key stage standards PKF (interim framework) and
// PK1–PK4 (from 2018/19), BLW below, EM engagement model, and the codes A
// absent, D disapplied and Q maladministration.
var TACodes = []string{"GDS", "EXS", "WTS", "HNM", "PKF", "PK1", "PK2", "PK3", "PK4", "BLW", "EM", "A", "D", "Q"}

// taMap reads the spellings MIS exports use for the same outcomes.
var taMap = map[string]string{
	"GD": "GDS", "GREATER DEPTH": "GDS", "EX": "EXS", "EXPECTED": "EXS", "WT": "WTS", "WORKING TOWARDS": "WTS",
	"PK 1": "PK1", "PK 2": "PK2", "PK 3": "PK3", "PK 4": "PK4", "ABSENT": "A", "DISAPPLIED": "D",
}

// schoolAndYear identifies one school's results for one academic year.
const schoolAndYear = `coalesce(CAST({laestab} AS VARCHAR), 'urn' || CAST({urn} AS VARCHAR))`

// Source is the KS1 and phonics results. An extract is identified by school,
// academic year and the parts it carries (phonics, teacher assessment): a
// re-issue for the same school and year supersedes the earlier file's rows
// of the same part, which stay in raw.ks1 as history.
var Source = &connectors.Source{
	Name:        "ks1",
	Table:       "raw.ks1",
	Description: "phonics screening check and end of KS1 teacher assessment, one row per pupil",
	SchoolKey:   true,
	Version:     1,
	Fields: []connectors.Field{
		{Name: "upn", Header: "UPN", Aliases: []string{"Unique Pupil Number", "PupilUPN", "Pupil UPN"},
			Kind: connectors.UPN, Required: true, Identifying: true},
		{Name: "academic_year", Header: "AcademicYear", Aliases: []string{"Academic year", "AcadYr", "Academic_Yr", "time_period", "Assessment year"},
			Kind: connectors.AcademicYear, Required: true},
		{Name: "phonics_mark", Header: "PhonicsMark", Aliases: []string{"Phonics mark", "Phonics", "Phonics score", "PhonicsScore", "PSC mark", "Phonics_Mark_Y1"},
			Kind: connectors.ScoreOrCode, Min: 0, Max: 40, Codes: PhonicsCodes,
			Doc: "phonics screening check mark out of 40, or an outcome code in phonics_mark_code"},
		{Name: "ks1_read_ta", Header: "KS1ReadTA", Aliases: []string{"KS1 Reading TA", "Reading TA", "KS1_READ", "READ_TA", "KS1Reading"},
			Kind: connectors.Code, Codes: TACodes, Map: taMap},
		{Name: "ks1_writ_ta", Header: "KS1WritTA", Aliases: []string{"KS1 Writing TA", "Writing TA", "KS1_WRIT", "WRIT_TA", "KS1Writing"},
			Kind: connectors.Code, Codes: TACodes, Map: taMap},
		{Name: "ks1_mat_ta", Header: "KS1MatTA", Aliases: []string{"KS1 Maths TA", "Maths TA", "KS1_MATH", "KS1_MAT", "MAT_TA", "KS1Maths"},
			Kind: connectors.Code, Codes: TACodes, Map: taMap},
	},
	Drop: census.Source.Drop,
	Supersede: []string{schoolAndYear, `{academic_year}`,
		`({phonics_mark} IS NOT NULL OR {phonics_mark_code} IS NOT NULL)`,
		`coalesce({ks1_read_ta}, {ks1_writ_ta}, {ks1_mat_ta}) IS NOT NULL`},
}
