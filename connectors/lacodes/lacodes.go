// Package lacodes is a list of local authority codes and names: DfE's
// la_code_list.xlsx (LA Number, LA Name, Region, Type) or the performance
// tables la_and_region_codes_meta.csv (LEA, LA Name, REGION, REGION NAME).
// It names the LAs in rankings; region rows (LA codes of regions, type NA)
// and discontinued codes load too and are told apart in stg.la_codes.
package lacodes

import "github.com/edwh/edwh/connectors"

// Source is the LA code list.
var Source = &connectors.Source{
	Name:        "la_codes",
	Table:       "raw.la_codes",
	Description: "local authority code list (codes, names, regions)",
	Version:     1,
	Fields: []connectors.Field{
		// Whole number rather than LACode: the list also holds region
		// codes and 1000 (England, discontinued), which are rows of the
		// file, not errors.
		{Name: "la", Header: "LA Number", Aliases: []string{"LEA", "LA", "LA code", "old_la_code"}, Kind: connectors.Int,
			Required: true, Min: 100, Max: 9999, Doc: "local authority code (3 digits; region and England codes too)"},
		{Name: "la_name", Header: "LA Name", Aliases: []string{"la_name", "Local authority"}, Kind: connectors.Text, Required: true,
			Doc: "local authority name"},
		// "Region" and "REGION" fold to the same header: it holds the
		// region's name in la_code_list.xlsx and its number in the
		// performance tables file, whose name is in REGION NAME.
		{Name: "region", Header: "Region", Kind: connectors.Text, Doc: "region name, or region number (performance tables)"},
		{Name: "region_name", Header: "REGION NAME", Kind: connectors.Text, Doc: "region name (performance tables)"},
		{Name: "la_type", Header: "Type", Kind: connectors.Text, Doc: "LA type: OLB, ILB, MD, UA, SC, or NA for a region"},
	},
	Supersede: []string{`{la}`},
}
