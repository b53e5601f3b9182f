// Package audit is the SEND audit connector: the self-evaluation or review
// exports in which a school (or the LA with it) rates itself item by item
// across the areas of SEND provision, before, during and after a programme.
//
// Ratings come as RAG (R, A, G or Red, Amber, Green) or as a number on a
// declared scale such as 1–4. Both are kept, with a numeric score (R=1, A=2,
// G=3) derived in stg.audit.
package audit

import "github.com/edwh/edwh/connectors"

// Stages are the audit stages: pre (baseline), interim and post.
var Stages = []string{"PRE", "INTERIM", "POST"}

// RAG maps the spelled-out RAG ratings to their letters.
var RAG = map[string]string{"RED": "R", "AMBER": "A", "GREEN": "G"}

// ratingOK is true for a rating edwh can use: a RAG letter or word, or a
// number from 0 to the row's declared scale (10 when none is declared).
const ratingOK = `(upper(rating) IN ('R', 'A', 'G', 'RED', 'AMBER', 'GREEN')
	OR edwh_num(rating) BETWEEN 0 AND coalesce(scale_max, 10))`

// Source is the SEND audit exports. An audit is identified by school and
// audit date: a re-export with the same school and date supersedes the
// earlier rows, which stay in raw.audit as history.
var Source = &connectors.Source{
	Name:        "audit",
	Table:       "raw.audit",
	Description: "SEND audit / self-evaluation exports, one row per school, date and item",
	SchoolKey:   true,
	Version:     1,
	Fields: []connectors.Field{
		{Name: "programme", Header: "Programme", Aliases: []string{"Programme name", "Program", "Project"}, Kind: connectors.Text},
		{Name: "audit_date", Header: "AuditDate", Aliases: []string{"Audit date", "Date of audit", "Review date", "ReviewDate", "Date"},
			Kind: connectors.Date, Required: true},
		{Name: "stage", Header: "Stage", Aliases: []string{"Audit stage", "Review stage", "Phase of review"},
			Kind: connectors.Code, Codes: Stages,
			Map: map[string]string{"BASELINE": "PRE", "BEFORE": "PRE", "START": "PRE", "MID": "INTERIM", "MIDPOINT": "INTERIM",
				"MID-POINT": "INTERIM", "MID POINT": "INTERIM", "INTERMEDIATE": "INTERIM", "AFTER": "POST", "END": "POST",
				"FINAL": "POST", "EXIT": "POST"},
			Doc: "pre, interim or post; when blank, stg.audit derives it from the programme dates"},
		{Name: "area", Header: "Area", Aliases: []string{"Audit area", "Section", "Domain", "Theme"}, Kind: connectors.Text, Required: true},
		{Name: "item", Header: "Item", Aliases: []string{"Statement", "Question", "Criterion", "Indicator"}, Kind: connectors.Text},
		{Name: "rating", Header: "Rating", Aliases: []string{"RAG", "RAG rating", "Judgement", "Grade"}, Kind: connectors.Text, Required: true,
			Doc: "R/A/G, Red/Amber/Green, or a number on the declared scale"},
		{Name: "scale_max", Header: "ScaleMax", Aliases: []string{"Scale", "Scale max", "Out of", "OutOf", "Rating scale", "Max rating"},
			Kind: connectors.Number, Min: 1, Max: 10,
			Doc: "the top of the scale of numeric ratings (4 for 1–4); when blank the parameter audit_scale_max applies"},
		{Name: "score", Header: "Score", Aliases: []string{"Points", "Numeric score"}, Kind: connectors.Number, Min: 0, Max: 100},
		{Name: "evidence", Header: "Evidence", Aliases: []string{"Evidence notes", "Comments", "Notes"}, Kind: connectors.Text},
	},
	// Staff names and contacts are not needed and not kept.
	Drop: []string{"Completed by", "CompletedBy", "Reviewer", "Reviewed by", "Assessor", "Email", "Telephone", "Contact"},
	RowRules: []connectors.RowRule{
		{Bad: `rating IS NOT NULL AND NOT coalesce(` + ratingOK + `, false)`, Column: "rating",
			Reason: "not a rating: expected R, A, G (Red, Amber, Green) or a number within the declared scale (ScaleMax, default at most 10)"},
		{Bad: `audit_date IS NOT NULL AND (audit_date < DATE '2000-01-01' OR audit_date > current_date + INTERVAL 31 DAY)`,
			Column: "audit_date", Reason: "audit date out of range: before 2000 or in the future"},
	},
	Supersede: []string{`coalesce(CAST({laestab} AS VARCHAR), 'urn' || CAST({urn} AS VARCHAR))`, `{audit_date}`},
}
