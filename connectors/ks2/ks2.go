// Package ks2 is the end of key stage 2 connector: scaled scores in the
// reading, maths and grammar, punctuation and spelling (GPS) tests, the
// writing teacher assessment and, where supplied, DfE's progress scores,
// one row per pupil.
package ks2

import (
	"github.com/edwh/edwh/connectors"
	"github.com/edwh/edwh/connectors/census"
)

// TestCodes are the KS2 test outcome codes a file gives instead of a
// scaled score: A absent, B working below the standard of the test, D
// disapplied, F will take the test in future, H pupil cheating, J just
// arrived, L left, M missing, N no scaled score (too few marks), P took the
// test in the past, Q maladministration, T and U unable to access the test,
// X no result. They are valid values, not errors: who counts in a measure
// depends on them (see stg.assessment_codes).
var TestCodes = []string{"A", "B", "D", "F", "H", "J", "L", "M", "N", "P", "Q", "T", "U", "X"}

// WritingCodes are the KS2 writing teacher assessment outcomes: GDS, EXS,
// WTS, HNM, the pre-key stage standards PK1–PK6 and the engagement model EM
// (from 2018/19), the older interim pre-key stage codes BLW, PKF, PKE and
// PKG (2016 to 2018), and A absent, D disapplied, L left, F future, P past
// and Q maladministration.
var WritingCodes = []string{"GDS", "EXS", "WTS", "HNM", "PK1", "PK2", "PK3", "PK4", "PK5", "PK6", "EM",
	"BLW", "PKF", "PKE", "PKG", "A", "D", "L", "F", "P", "Q"}

// Source is the KS2 results. An extract is identified by school and
// academic year: a re-issue supersedes the earlier rows for that school and
// year, which stay in raw.ks2 as history.
var Source = &connectors.Source{
	Name:        "ks2",
	Table:       "raw.ks2",
	Description: "end of KS2 results, one row per pupil",
	SchoolKey:   true,
	Version:     1,
	Fields: []connectors.Field{
		{Name: "upn", Header: "UPN", Aliases: []string{"Unique Pupil Number", "PupilUPN", "Pupil UPN"},
			Kind: connectors.UPN, Required: true, Identifying: true},
		{Name: "academic_year", Header: "AcademicYear", Aliases: []string{"Academic year", "AcadYr", "Academic_Yr", "time_period", "Test year"},
			Kind: connectors.AcademicYear, Required: true},
		{Name: "read_scaled", Header: "ReadScaled", Aliases: []string{"Reading scaled score", "ReadScore", "READSCORE", "KS2_READSCORE", "Read_SS", "Reading"},
			Kind: connectors.ScoreOrCode, Min: 80, Max: 120, Codes: TestCodes,
			Doc: "reading test scaled score 80–120, or a test code in read_scaled_code"},
		{Name: "mat_scaled", Header: "MatScaled", Aliases: []string{"Maths scaled score", "MathsScaled", "MatScore", "MATSCORE", "KS2_MATSCORE", "Mat_SS", "Maths"},
			Kind: connectors.ScoreOrCode, Min: 80, Max: 120, Codes: TestCodes,
			Doc: "maths test scaled score 80–120, or a test code in mat_scaled_code"},
		{Name: "gps_scaled", Header: "GPSScaled", Aliases: []string{"GPS scaled score", "GPSScore", "GPSSCORE", "KS2_GPSSCORE", "GPS_SS", "SPaG", "GPS"},
			Kind: connectors.ScoreOrCode, Min: 80, Max: 120, Codes: TestCodes,
			Doc: "grammar, punctuation and spelling test scaled score 80–120, or a test code in gps_scaled_code"},
		{Name: "writ_ta", Header: "WritTA", Aliases: []string{"Writing TA", "WritingTA", "KS2_WRITTA", "WRITTA", "Writing"},
			Kind: connectors.Code, Codes: WritingCodes,
			Map: map[string]string{"GD": "GDS", "GREATER DEPTH": "GDS", "EX": "EXS", "EXPECTED": "EXS", "WT": "WTS",
				"WORKING TOWARDS": "WTS", "ABSENT": "A", "PK 1": "PK1", "PK 2": "PK2", "PK 3": "PK3", "PK 4": "PK4", "PK 5": "PK5", "PK 6": "PK6"}},
		// Pupil progress scores are supplied by DfE after the results; they
		// are kept as supplied, never recomputed here.
		{Name: "read_progress", Header: "ReadProgress", Aliases: []string{"Reading progress", "READPROG", "KS2_READPROG"},
			Kind: connectors.Number, Min: -40, Max: 40},
		{Name: "writ_progress", Header: "WritProgress", Aliases: []string{"Writing progress", "WRITPROG", "KS2_WRITPROG"},
			Kind: connectors.Number, Min: -40, Max: 40},
		{Name: "mat_progress", Header: "MatProgress", Aliases: []string{"Maths progress", "MATPROG", "KS2_MATPROG"},
			Kind: connectors.Number, Min: -40, Max: 40},
	},
	Drop:      census.Source.Drop,
	Supersede: []string{`coalesce(CAST({laestab} AS VARCHAR), 'urn' || CAST({urn} AS VARCHAR))`, `{academic_year}`},
}
