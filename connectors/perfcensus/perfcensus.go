// Package perfcensus is the performance tables census file
// (england_census.csv, or one LA's NNN_census.csv): school-level pupil
// numbers and characteristics, published each year. It is a school-level
// reference, not pupil data.
package perfcensus

import "github.com/edwh/edwh/connectors"

// measure is connectors.MeasureField, short for the long lists below.
var measure = connectors.MeasureField

// Source is the performance tables census download. Its year comes from
// its folder or name (performance-tables-2018-19/england_census.csv); a
// later file for the same school and year supersedes an earlier one.
var Source = &connectors.Source{
	Name:         "perf_census",
	Table:        "raw.perf_census",
	Description:  "performance tables school census file (school-level pupil numbers)",
	YearFromPath: true,
	Version:      1,
	Fields: []connectors.Field{
		// School rows carry URN, LA and ESTAB; the national summary rows
		// at the end carry NAT in URN and the phase (PRI, SEC, SPE) in
		// ESTAB, so these three load as text and are resolved in
		// mart.school_census.
		{Name: "urn_text", Header: "URN", Kind: connectors.Text, Required: true},
		{Name: "la_text", Header: "LA", Aliases: []string{"LEA"}, Kind: connectors.Text},
		{Name: "estab_text", Header: "ESTAB", Kind: connectors.Text},
		{Name: "school_type", Header: "SCHOOLTYPE", Kind: connectors.Text},
		measure("nor", "NOR", "number of pupils on roll"),
		measure("norg", "NORG", "girls on roll"),
		measure("norb", "NORB", "boys on roll"),
		measure("pnorg", "PNORG", "% girls"),
		measure("pnorb", "PNORB", "% boys"),
		measure("tsenelse", "TSENELSE", "pupils with an EHC plan or statement"),
		measure("psenelse", "PSENELSE", "% pupils with an EHC plan or statement"),
		measure("tsenelk", "TSENELK", "pupils on SEN support"),
		measure("psenelk", "PSENELK", "% pupils on SEN support"),
		measure("numeal", "NUMEAL", "pupils whose first language is other than English"),
		measure("numengfl", "NUMENGFL", "pupils whose first language is English"),
		measure("numuncfl", "NUMUNCFL", "pupils whose first language is unclassified"),
		measure("pnumeal", "PNUMEAL", "% EAL"),
		measure("pnumengfl", "PNUMENGFL", "% English first language"),
		measure("pnumuncfl", "PNUMUNCFL", "% first language unclassified"),
		measure("numfsm", "NUMFSM", "pupils eligible for free school meals"),
		measure("numfsmever", "NUMFSMEVER", "pupils eligible for FSM at any time in the last 6 years"),
		measure("pnumfsmever", "PNUMFSMEVER", "% pupils eligible for FSM at any time in the last 6 years"),
	},
	RowRules: []connectors.RowRule{
		{Bad: `edwh_urn(urn_text) IS NULL AND upper(urn_text) <> 'NAT' AND upper(coalesce(la_text, '')) <> 'NAT'`,
			Column: "urn_text", Reason: "neither a school row (6-digit URN) nor a national row (NAT)"},
	},
	Supersede: []string{`{urn_text}`, `{estab_text}`, `{time_period}`},
}
