// Package ees is Explore Education Statistics open data: the CSV files
// behind DfE's official statistics, at any geographic level (school, local
// authority, regional, national), one row per area, period and filter
// combination. edwh reads the absence and exclusions / suspensions files;
// every column of any EES file is kept in raw.ees_wide, and the absence and
// exclusion indicators are staged in raw.ees under their EES names.
//
// EES files carry their own year (time_period, 201819 for 2018/19) and use
// the GSS symbols c (confidential), x (not available), z (not applicable),
// low (rounds to zero), and the legacy ~ and :, which load as NULL with the
// symbol in the indicator's _status column.
package ees

import "github.com/edwh/edwh/connectors"

func indicator(name, doc string) connectors.Field {
	return connectors.Field{Name: name, Header: name, Kind: connectors.Measure, Doc: doc}
}

// Geographic levels of the EES data standard.
const (
	School         = "School"
	LocalAuthority = "Local authority"
	Regional       = "Regional"
	National       = "National"
)

// Source is any EES open-data CSV.
var Source = &connectors.Source{
	Name:        "ees",
	Table:       "raw.ees",
	Description: "Explore Education Statistics open-data CSV (absence, exclusions; any geographic level)",
	Wide:        true,
	Version:     1,
	Fields: []connectors.Field{
		{Name: "time_period", Header: "time_period", Kind: connectors.AcademicYear, Required: true,
			Doc: "academic year, 201819 for 2018/19"},
		{Name: "time_identifier", Header: "time_identifier", Kind: connectors.Text, Doc: "Academic year, or a term"},
		{Name: "geographic_level", Header: "geographic_level", Kind: connectors.Text, Required: true,
			Doc: "School, Local authority, Regional or National"},
		{Name: "country_code", Header: "country_code", Kind: connectors.Text, Doc: "ONS country code"},
		{Name: "region_code", Header: "region_code", Kind: connectors.Text, Doc: "ONS region code"},
		{Name: "region_name", Header: "region_name", Kind: connectors.Text, Doc: "region name"},
		{Name: "old_la_code", Header: "old_la_code", Aliases: []string{"la_code"}, Kind: connectors.LACode,
			Doc: "3-digit DfE local authority code"},
		{Name: "new_la_code", Header: "new_la_code", Kind: connectors.Text, Doc: "9-character ONS local authority code"},
		{Name: "la_name", Header: "la_name", Kind: connectors.Text, Doc: "local authority name"},
		{Name: "laestab", Header: "school_laestab", Aliases: []string{"laestab"}, Kind: connectors.LAESTAB,
			Doc: "school LAESTAB (school rows)"},
		{Name: "urn", Header: "school_urn", Aliases: []string{"urn"}, Kind: connectors.URN, Doc: "school URN (school rows)"},
		{Name: "estab", Header: "estab", Kind: connectors.Estab, Doc: "establishment number"},
		{Name: "school_name", Header: "school_name", Kind: connectors.Text, Doc: "school name"},
		{Name: "school_type", Header: "school_type", Kind: connectors.Text,
			Doc: "filter: State-funded primary, State-funded secondary, Special, Total"},
		{Name: "education_phase", Header: "education_phase", Kind: connectors.Text,
			Doc: "filter in newer files: State-funded primary, State-funded secondary, Special, Total"},
		indicator("num_schools", "number of schools"),
		indicator("headcount", "number of pupils (exclusions denominator)"),
		indicator("enrolments", "number of enrolments (absence denominator)"),
		indicator("sess_possible", "possible sessions"),
		indicator("sess_overall", "overall absence sessions"),
		indicator("sess_authorised", "authorised absence sessions"),
		indicator("sess_unauthorised", "unauthorised absence sessions"),
		indicator("sess_overall_percent", "overall absence rate: % of possible sessions"),
		indicator("sess_authorised_percent", "authorised absence rate: % of possible sessions"),
		indicator("sess_unauthorised_percent", "unauthorised absence rate: % of possible sessions"),
		indicator("enrolments_pa_10_exact", "persistent absentees: enrolments missing 10% or more of possible sessions"),
		indicator("enrolments_pa_10_exact_percent", "persistent absence rate: % of enrolments missing 10% or more of sessions"),
		indicator("enrolments_pa_50_exact", "severe absentees: enrolments missing 50% or more of possible sessions"),
		indicator("enrolments_pa_50_exact_percent", "severe absence rate: % of enrolments missing 50% or more of sessions"),
		indicator("perm_excl", "number of permanent exclusions"),
		indicator("perm_excl_rate", "permanent exclusions per 100 pupils (headcount)"),
		indicator("fixed_excl", "number of fixed period exclusions (suspensions, before 2021/22)"),
		indicator("fixed_excl_rate", "fixed period exclusions per 100 pupils"),
		indicator("one_plus_fixed", "pupils with one or more fixed period exclusions"),
		indicator("one_plus_fixed_rate", "% of pupils with one or more fixed period exclusions"),
		indicator("suspension", "number of suspensions (from 2021/22)"),
		indicator("susp_rate", "suspensions per 100 pupils"),
		indicator("one_plus_susp", "pupils with one or more suspensions"),
		indicator("one_plus_susp_rate", "% of pupils with one or more suspensions"),
	},
	RowRules: []connectors.RowRule{
		{Bad: `lower(geographic_level) = 'school' AND urn IS NULL AND laestab IS NULL`, Column: "school_urn",
			Reason: "a school row without a valid school_urn or school_laestab"},
		{Bad: `lower(geographic_level) = 'local authority' AND old_la_code IS NULL AND new_la_code IS NULL`, Column: "old_la_code",
			Reason: "a local authority row without old_la_code or new_la_code"},
	},
}
