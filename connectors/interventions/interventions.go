// Package interventions is the LA's programme register: which schools take
// part in which programme, in which role and group, from when to when, led
// by whom and at what cost.
//
// The register is a spreadsheet kept by hand. Blank rows and stray spaces
// are harmless (the loader skips and trims them). Schools are often named
// rather than given by URN: the School column takes a URN, a LAESTAB or the
// school's name, and stg.interventions resolves names through the
// establishments reference at every run, so that a register loaded before
// the reference (or a name fixed in GIAS later) still resolves. A row whose
// school cannot be resolved is kept in raw.interventions, with urn NULL
// and the candidate schools listed in stg.interventions, counts in no mart,
// and is listed by `edwh quarantine` (ops.quarantine, action 'unresolved',
// the reason naming the candidates) and by the
// interventions_unresolved_schools check at every run until it resolves:
// it is never silently dropped.
package interventions

import "github.com/edwh/edwh/connectors"

// Roles are the roles a school plays in a programme: participant, coach
// (a school supporting the others of its group) or comparison (a school
// chosen as a control, receiving nothing).
var Roles = []string{"PARTICIPANT", "COACH", "COMPARISON"}

// Leads are who leads the work in a school.
var Leads = []string{"HEAD", "SENCO", "TEACHER", "OTHER"}

// Source is the programme register. A register is identified by
// programme: a later register listing a programme supersedes the earlier
// rows of that programme, which stay in raw.interventions as history.
var Source = &connectors.Source{
	Name:        "interventions",
	Table:       "raw.interventions",
	Description: "the LA's programme register, one row per school per programme",
	Version:     1,
	Fields: []connectors.Field{
		{Name: "programme", Header: "Programme", Aliases: []string{"Programme name", "Program", "Project", "Intervention"},
			Kind: connectors.Text, Required: true},
		// The school, three ways: whichever the register has.
		{Name: "school", Header: "School", Aliases: []string{"School name", "SchoolName", "Establishment", "EstablishmentName", "School (name or URN)"},
			Kind: connectors.Text, Doc: "a URN, a LAESTAB or the school's name as in the establishments reference"},
		{Name: "urn", Header: "URN", Aliases: []string{"School URN", "SchoolURN"}, Kind: connectors.URN},
		{Name: "laestab", Header: "LAESTAB", Aliases: []string{"DfE number", "DfENumber", "LA Estab"}, Kind: connectors.LAESTAB},
		{Name: "role", Header: "Role", Aliases: []string{"School role", "Type", "Participation"},
			Kind: connectors.Code, Required: true, Codes: Roles,
			Map: map[string]string{"PARTICIPANTS": "PARTICIPANT", "PARTICIPATING": "PARTICIPANT", "MEMBER": "PARTICIPANT",
				"COACHING": "COACH", "LEAD SCHOOL": "COACH", "HUB": "COACH", "CONTROL": "COMPARISON", "COMPARATOR": "COMPARISON"}},
		{Name: "group_id", Header: "GroupId", Aliases: []string{"Group", "Group ID", "Triad", "Pair", "Cluster"}, Kind: connectors.Text},
		{Name: "start_date", Header: "StartDate", Aliases: []string{"Start date", "Start", "From"}, Kind: connectors.Date, Required: true},
		{Name: "end_date", Header: "EndDate", Aliases: []string{"End date", "End", "To", "Until"}, Kind: connectors.Date},
		{Name: "lead", Header: "Lead", Aliases: []string{"Led by", "Lead role", "School lead"},
			Kind: connectors.Code, Codes: Leads,
			Map: map[string]string{"HEADTEACHER": "HEAD", "HEAD TEACHER": "HEAD", "PRINCIPAL": "HEAD", "SENDCO": "SENCO",
				"CLASS TEACHER": "TEACHER"}},
		{Name: "cost", Header: "Cost", Aliases: []string{"Cost (GBP)", "Cost GBP", "Cost £", "Funding", "Amount"},
			Kind: connectors.Number, Min: 0, Max: 10_000_000, Doc: "cost in pounds (GBP)"},
	},
	// Staff names and contacts are not needed and not kept.
	Drop: []string{"Contact", "Contact name", "Headteacher name", "SENCO name", "Email", "Telephone", "Notes"},
	RowRules: []connectors.RowRule{
		{Bad: `school IS NULL AND urn IS NULL AND laestab IS NULL`, Column: "school",
			Reason: "no school: give its URN, LAESTAB or name (School column)"},
		{Bad: `start_date IS NOT NULL AND (start_date < DATE '1990-01-01' OR start_date > current_date + INTERVAL 1096 DAY)`,
			Column: "start_date", Reason: "start date out of range: before 1990 or more than three years ahead"},
		{Bad: `end_date < start_date`, Column: "end_date", Reason: "end date before start date"},
	},
	Supersede: []string{`lower({programme})`},
}
