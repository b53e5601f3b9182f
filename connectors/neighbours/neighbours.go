// Package neighbours is the DfE children's services statistical neighbours
// workbook (sn_april_2021.xlsx, as used by the LA Interactive Tool): for
// every local authority its ten statistical neighbours, nearest first, each
// with a closeness label (Extremely Close, Very Close, Close, Somewhat
// close, Not Close). Title rows sit above the header, which repeats "SNP"
// (the closeness of the neighbour to its left) ten times; an "Old SNs:"
// section lists the neighbours of LAs since reorganised.
//
// The set a file holds is named by the file: sn_april_2021.xlsx is the set
// "sn_april_2021" (stg.neighbours).
package neighbours

import (
	"fmt"

	"github.com/edwh/edwh/connectors"
)

// Neighbours is the number of statistical neighbours per LA.
const Neighbours = 10

func fields() []connectors.Field {
	fs := []connectors.Field{
		{Name: "la", Header: "LA num", Aliases: []string{"LA code"}, Kind: connectors.LACode, Required: true,
			Doc: "the local authority's 3-digit code"},
		{Name: "la_name", Header: "LA Name", Kind: connectors.Text, Doc: "the local authority's name"},
		{Name: "la_number", Header: "LA number", Kind: connectors.LACode, Doc: "the LA code again (the workbook repeats it)"},
		{Name: "go_ind", Header: "GOInd", Kind: connectors.Int, Doc: "government office region index"},
		{Name: "go_region", Header: "GOReg", Kind: connectors.Text, Doc: "government office region"},
	}
	for i := 1; i <= Neighbours; i++ {
		// Neighbour codes load as text: the workbook writes "-" for an LA
		// that has no neighbours yet (Cumberland, Westmorland and Furness);
		// stg.neighbours reads the codes and checks them.
		fs = append(fs,
			connectors.Field{Name: fmt.Sprintf("sn%d", i), Header: fmt.Sprintf("SN%d", i), Kind: connectors.Text,
				Doc: fmt.Sprintf("LA code of statistical neighbour %d (1 = nearest)", i)},
			connectors.Field{Name: fmt.Sprintf("sn%d_closeness", i), Header: "SNP", Occurrence: i, Kind: connectors.Text,
				Doc: fmt.Sprintf("closeness of statistical neighbour %d", i)})
	}
	return fs
}

// Source is the statistical neighbours workbook (or a CSV export of it).
var Source = &connectors.Source{
	Name:        "neighbours",
	Table:       "raw.neighbours",
	Description: "DfE children's services statistical neighbours workbook (10 neighbours per LA)",
	Version:     1,
	Fields:      fields(),
	RowRules: []connectors.RowRule{
		{Bad: `la IS NULL AND la_name IS NOT NULL`, Column: "la",
			Reason: "not an LA row: a section title or note in the workbook (the 2021 workbook's \"Old SNs:\")"},
	},
	Supersede: []string{`{la}`},
}
