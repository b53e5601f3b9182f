// Package attendance is the pupil attendance connector: possible sessions
// and sessions missed through authorised and unauthorised absence, one row
// per pupil per term (or per year), with optional counts by absence reason.
// A session is half a school day.
package attendance

import (
	"strconv"
	"strings"

	"github.com/edwh/edwh/connectors"
	"github.com/edwh/edwh/connectors/census"
)

// Reasons are the attendance register absence codes a file may give counts
// for, one column each, named by the code: I illness, M medical or dental
// appointment, R religious observance, S study leave, T traveller absence,
// H authorised holiday, E excluded, C other authorised circumstances, G
// unauthorised holiday, U late after the register closed, O unauthorised
// other, N no reason yet.
var Reasons = []struct{ Code, Meaning string }{
	{"I", "illness"}, {"M", "medical or dental appointment"}, {"R", "religious observance"}, {"S", "study leave"},
	{"T", "traveller absence"}, {"H", "authorised holiday"}, {"E", "excluded, no alternative provision"},
	{"C", "other authorised circumstances"}, {"G", "unauthorised holiday"}, {"U", "late after the register closed"},
	{"O", "unauthorised, other"}, {"N", "no reason yet provided"},
}

// maxSessions bounds any one count: a school year has about 380 possible
// sessions (190 days), so 400 leaves room for a few extra sessions but
// catches counts that are not sessions of one year (minutes, or totals
// over several years).
const maxSessions = 400

// maxTermSessions bounds the possible sessions of one term: the longest
// term (autumn) has about 150.
const maxTermSessions = 200

func fields() []connectors.Field {
	fs := []connectors.Field{
		{Name: "upn", Header: "UPN", Aliases: []string{"Unique Pupil Number", "PupilUPN", "Pupil UPN"},
			Kind: connectors.UPN, Required: true, Identifying: true},
		{Name: "academic_year", Header: "AcademicYear", Aliases: []string{"Academic year", "AcadYr", "Academic_Yr", "time_period"},
			Kind: connectors.AcademicYear, Required: true},
		{Name: "term", Header: "Term", Aliases: []string{"Period", "Attendance term", "time_identifier"},
			Kind: connectors.Code, Required: true, Codes: []string{"AUTUMN", "SPRING", "SUMMER", "YEAR"},
			Map: map[string]string{"AUT": "AUTUMN", "AUTUMN TERM": "AUTUMN", "SPR": "SPRING", "SPRING TERM": "SPRING",
				"SUM": "SUMMER", "SUMMER TERM": "SUMMER", "ANNUAL": "YEAR", "FULL YEAR": "YEAR", "WHOLE YEAR": "YEAR",
				"ACADEMIC YEAR": "YEAR", "ALL": "YEAR"}},
		{Name: "sessions_possible", Header: "SessionsPossible", Aliases: []string{"Possible sessions", "Sessions possible", "PossibleSessions", "sess_possible", "Possible"},
			Kind: connectors.Int, Required: true, Min: 0, Max: maxSessions},
		{Name: "sessions_authorised", Header: "SessionsAuthorised", Aliases: []string{"Authorised absence", "Authorised sessions", "AuthorisedAbsence", "sess_authorised", "Authorised"},
			Kind: connectors.Int, Required: true, Min: 0, Max: maxSessions},
		{Name: "sessions_unauthorised", Header: "SessionsUnauthorised", Aliases: []string{"Unauthorised absence", "Unauthorised sessions", "UnauthorisedAbsence", "sess_unauthorised", "Unauthorised"},
			Kind: connectors.Int, Required: true, Min: 0, Max: maxSessions},
	}
	for _, r := range Reasons {
		fs = append(fs, connectors.Field{Name: "reason_" + strings.ToLower(r.Code), Header: r.Code,
			Aliases: []string{"Sessions" + r.Code, "Code " + r.Code, "Reason " + r.Code},
			Kind:    connectors.Int, Min: 0, Max: maxSessions, Doc: "sessions recorded with code " + r.Code + " (" + r.Meaning + ")"})
	}
	return fs
}

// Source is the attendance returns. An extract is identified by school,
// academic year and term: a re-issue supersedes the earlier rows for that
// school and term, which stay in raw.attendance as history, and the terms
// of a year may arrive in separate files.
var Source = &connectors.Source{
	Name:        "attendance",
	Table:       "raw.attendance",
	Description: "pupil attendance, one row per pupil per term or year",
	SchoolKey:   true,
	Version:     1,
	Fields:      fields(),
	Drop:        census.Source.Drop,
	RowRules: []connectors.RowRule{
		{Bad: `sessions_authorised + sessions_unauthorised > sessions_possible`, Column: "sessions_possible",
			Reason: "absence (authorised + unauthorised sessions) is greater than the possible sessions"},
		{Bad: `term <> 'YEAR' AND sessions_possible > ` + strconv.Itoa(maxTermSessions), Column: "sessions_possible",
			Reason: "more than " + strconv.Itoa(maxTermSessions) + " possible sessions in one term: is this a whole-year row (Term = Year)?"},
	},
	Supersede: []string{`coalesce(CAST({laestab} AS VARCHAR), 'urn' || CAST({urn} AS VARCHAR))`, `{academic_year}`, `{term}`},
}
