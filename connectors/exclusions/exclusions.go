// Package exclusions is the suspensions and permanent exclusions
// connector: one row per suspension, permanent exclusion or lunchtime
// exclusion, as schools return them in the census exclusions module.
package exclusions

import (
	"github.com/edwh/edwh/connectors"
	"github.com/edwh/edwh/connectors/census"
)

// Categories are the exclusion categories: PERM permanent exclusion, SUSP
// suspension (called a fixed period exclusion, FIXD, before 2021/22) and
// LNCH lunchtime exclusion.
var Categories = []string{"PERM", "SUSP", "LNCH"}

// ReasonCodes are the exclusion reason codes: PP physical assault against a
// pupil, PA against an adult, VP verbal abuse or threatening behaviour
// against a pupil, VA against an adult, BU bullying, RA racist abuse, SM
// sexual misconduct, DA drug and alcohol related, DM damage, TH theft, DB
// persistent disruptive behaviour, OT other; from 2020/21 also DS abuse
// relating to disability, LG abuse against sexual orientation and gender
// identity, MT inappropriate use of social media or online technology, OW
// use or threat of use of an offensive weapon or prohibited item, PH
// wilful and repeated transgression of protective measures.
var ReasonCodes = []string{"PP", "PA", "VP", "VA", "BU", "RA", "SM", "DA", "DM", "TH", "DB", "OT",
	"DS", "LG", "MT", "OW", "PH"}

func reason(n string) connectors.Field {
	return connectors.Field{Name: "reason" + n, Header: "Reason" + n,
		Aliases: []string{"Reason " + n, "Reason code " + n, "ReasonCode" + n, "Exclusion reason " + n},
		Kind:    connectors.Code, Codes: ReasonCodes}
}

// Source is the exclusions returns. An extract is identified by school and
// the academic year of the start dates: a re-issue supersedes the earlier
// rows for that school and year, which stay in raw.exclusions as history.
var Source = &connectors.Source{
	Name:        "exclusions",
	Table:       "raw.exclusions",
	Description: "suspensions and permanent exclusions, one row per exclusion",
	SchoolKey:   true,
	Version:     1,
	Fields: []connectors.Field{
		{Name: "upn", Header: "UPN", Aliases: []string{"Unique Pupil Number", "PupilUPN", "Pupil UPN"},
			Kind: connectors.UPN, Required: true, Identifying: true},
		{Name: "category", Header: "Category", Aliases: []string{"Exclusion category", "ExclusionCategory", "Exclusion type", "Type"},
			Kind: connectors.Code, Required: true, Codes: Categories,
			// FIXD (fixed period exclusion) is the legacy name of a
			// suspension.
			Map: map[string]string{"FIXD": "SUSP", "FIXED": "SUSP", "FIXED PERIOD": "SUSP", "FIXED TERM": "SUSP",
				"SUSPENSION": "SUSP", "PERMANENT": "PERM", "LUNCHTIME": "LNCH", "LUNCH": "LNCH"}},
		{Name: "start_date", Header: "StartDate", Aliases: []string{"Start date", "Exclusion start date", "ExclusionStartDate", "Date"},
			Kind: connectors.Date, Required: true},
		// Sessions are half days: a one-day suspension is 2 sessions. The
		// longest suspensions allowed are 45 school days in a year, 90
		// sessions.
		{Name: "sessions", Header: "Sessions", Aliases: []string{"Actual sessions", "ActualSessions", "Exclusion sessions", "Sessions excluded", "Length"},
			Kind: connectors.Number, Min: 0, Max: 90},
		reason("1"), reason("2"), reason("3"),
	},
	Drop: census.Source.Drop,
	RowRules: []connectors.RowRule{
		{Bad: `start_date IS NOT NULL AND (start_date < DATE '1990-01-01' OR start_date > current_date + INTERVAL 366 DAY)`,
			Column: "start_date", Reason: "start date out of range: before 1990 or more than a year ahead"},
	},
	Supersede: []string{`coalesce(CAST({laestab} AS VARCHAR), 'urn' || CAST({urn} AS VARCHAR))`, `edwh_year_of({start_date})`},
}
