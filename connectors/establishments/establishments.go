// Package establishments is the schools reference: a Get Information About
// Schools (GIAS) extract, or the performance tables school information file
// or spine. It resolves the school keys of every other source: LAESTAB to URN
// and back.
package establishments

import "github.com/edwh/edwh/connectors"

// Source is the establishments reference. A later extract replaces earlier
// rows for the same URN.
var Source = &connectors.Source{
	Name:        "establishments",
	Table:       "raw.establishments",
	Description: "schools reference (GIAS extract or performance tables school information)",
	Version:     2,
	Fields: []connectors.Field{
		{Name: "urn", Header: "URN", Kind: connectors.URN, Required: true},
		{Name: "la", Header: "LA (code)", Aliases: []string{"LA", "LEA", "LA code"}, Kind: connectors.LACode},
		{Name: "estab", Header: "EstablishmentNumber", Aliases: []string{"ESTAB", "Establishment number"}, Kind: connectors.Estab},
		{Name: "laestab", Header: "LAESTAB", Aliases: []string{"DfE number"}, Kind: connectors.LAESTAB},
		{Name: "la_name", Header: "LA (name)", Aliases: []string{"LANAME", "LA name", "Local authority"}, Kind: connectors.Text},
		{Name: "name", Header: "EstablishmentName", Aliases: []string{"SCHNAME", "School name", "Establishment name"},
			Kind: connectors.Text, Required: true},
		{Name: "type", Header: "TypeOfEstablishment (name)", Aliases: []string{"SCHOOLTYPE", "NFTYPE", "Type of establishment"},
			Kind: connectors.Text},
		// The performance tables spine and school information files carry
		// MINORGROUP (Maintained school, Academy, Special school, ...)
		// beside NFTYPE or SCHOOLTYPE, so it is a column of its own.
		{Name: "minor_group", Header: "MINORGROUP", Kind: connectors.Text},
		{Name: "phase", Header: "PhaseOfEducation (name)", Aliases: []string{"Phase of education", "Phase"}, Kind: connectors.Text},
		{Name: "is_primary", Header: "ISPRIMARY", Kind: connectors.Bool},
		{Name: "is_secondary", Header: "ISSECONDARY", Kind: connectors.Bool},
		{Name: "open_date", Header: "OpenDate", Aliases: []string{"OPENDATE", "Open date"}, Kind: connectors.Date},
		{Name: "close_date", Header: "CloseDate", Aliases: []string{"CLOSEDATE", "Close date"}, Kind: connectors.Date},
		{Name: "low_age", Header: "StatutoryLowAge", Aliases: []string{"AGELOW", "AGEL"}, Kind: connectors.Int, Min: 0, Max: 25},
		{Name: "high_age", Header: "StatutoryHighAge", Aliases: []string{"AGEHIGH", "AGEH"}, Kind: connectors.Int, Min: 0, Max: 25},
		{Name: "postcode", Header: "Postcode", Aliases: []string{"POSTCODE"}, Kind: connectors.Text},
	},
	RowRules: []connectors.RowRule{
		{Bad: `la IS NULL AND laestab IS NULL`, Column: "la",
			Reason: "no LA code: needs LA (code) and EstablishmentNumber, or LAESTAB"},
	},
	Supersede: []string{`{urn}`},
}
