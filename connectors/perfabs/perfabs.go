// Package perfabs is the performance tables absence download
// (england_abs.csv, or one LA's NNN_abs.csv): each school's overall and
// persistent absence rates, plus national rows (LA = NAT, ESTAB = the phase)
// at the end. There are no LA rows.
//
// The performance tables of one year publish absence for the year before
// (full-year absence is only known after the summer term): the 2018-19
// tables' england_abs.csv is 2017/18 absence. The raw table keeps the
// tables' year, from the folder or file name, as time_period, and
// stg.perf_abs shifts it back one year.
package perfabs

import "github.com/edwh/edwh/connectors"

// measure is connectors.MeasureField, short for the long lists below.
var measure = connectors.MeasureField

// Source is the performance tables absence file.
var Source = &connectors.Source{
	Name:         "perf_abs",
	Table:        "raw.perf_abs",
	Description:  "performance tables absence file (school rows; absence of the year before the tables' year)",
	YearFromPath: true,
	Wide:         true,
	PadShortRows: true,
	Version:      1,
	Fields: []connectors.Field{
		// The national rows carry NAT in LA and PRI, SEC or SPE in ESTAB,
		// so these two load as text and are resolved in stg.perf_abs.
		{Name: "la_text", Header: "LA", Aliases: []string{"LEA"}, Kind: connectors.Text, Required: true,
			Doc: "local authority code, or NAT on a national row"},
		{Name: "estab_text", Header: "ESTAB", Kind: connectors.Text, Doc: "establishment number, or the phase (PRI, SEC, SPE) on a national row"},
		{Name: "urn", Header: "URN", Kind: connectors.URN, Doc: "school unique reference number"},
		measure("overall_absence_pct", "PERCTOT", "overall absence: % of possible sessions missed"),
		measure("persistent_absence_pct", "PPERSABS10", "% of pupils who are persistent absentees (missing 10% or more of possible sessions)"),
	},
	RowRules: []connectors.RowRule{
		{Bad: `urn IS NULL AND upper(la_text) <> 'NAT'`, Column: "urn",
			Reason: "neither a school row (6-digit URN) nor a national row (LA = NAT)"},
	},
	Supersede: []string{`{la_text}`, `{estab_text}`, `{urn}`, `{time_period}`},
}
