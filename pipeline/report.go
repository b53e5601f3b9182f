package pipeline

import (
	"context"
	"database/sql"
	"html/template"
	"os"
	"path/filepath"
	"time"
)

// reportData is what the run report shows.
type reportData struct {
	Summary    *Summary
	LACode     int
	Generated  string
	Loads      []reportLoad
	Quarantine []reportReason
	Checks     []reportCheck
	Marts      []reportMart
}

type reportLoad struct {
	Source, Path, Status, Message     string
	Read, Loaded, Quarantined, Nulled int64
}

type reportReason struct {
	Source, File, Column, Reason, Action string
	Rows, FirstLine                      int64
}

type reportCheck struct {
	Name, Model, Status, Severity, Description string
	Failing                                    int64
}

type reportMart struct {
	Name string
	Rows int64
}

// writeReport writes report/index.html: a self-contained page (no scripts,
// no network) that says whether the load worked and what was loaded,
// quarantined and checked. Values of quarantined rows are never shown.
func writeReport(ctx context.Context, db *sql.Conn, dir string, c *Config, sum *Summary) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	d := reportData{Summary: sum, LACode: c.LACode, Generated: time.Now().Format("2 January 2006 15:04")}
	rows, err := db.QueryContext(ctx, `SELECT source, path, status, coalesce(message, ''), rows_read, rows_loaded,
		rows_quarantined, values_nulled FROM ops.loads WHERE run_id = ? ORDER BY load_id`, sum.RunID)
	if err != nil {
		return err
	}
	for rows.Next() {
		var l reportLoad
		if err := rows.Scan(&l.Source, &l.Path, &l.Status, &l.Message, &l.Read, &l.Loaded, &l.Quarantined, &l.Nulled); err != nil {
			rows.Close()
			return err
		}
		d.Loads = append(d.Loads, l)
	}
	rows.Close()
	rows, err = db.QueryContext(ctx, `SELECT source, file, coalesce("column", ''), reason, action, count(*), min(line)
		FROM ops.quarantine WHERE run_id = ? GROUP BY ALL ORDER BY count(*) DESC, file LIMIT 200`, sum.RunID)
	if err != nil {
		return err
	}
	for rows.Next() {
		var q reportReason
		var first sql.NullInt64
		if err := rows.Scan(&q.Source, &q.File, &q.Column, &q.Reason, &q.Action, &q.Rows, &first); err != nil {
			rows.Close()
			return err
		}
		q.FirstLine = first.Int64
		d.Quarantine = append(d.Quarantine, q)
	}
	rows.Close()
	rows, err = db.QueryContext(ctx, `SELECT "check", coalesce(model, ''), status, severity, coalesce(description, ''), failing_rows
		FROM ops.checks WHERE run_id = ? ORDER BY status = 'pass', "check"`, sum.RunID)
	if err != nil {
		return err
	}
	for rows.Next() {
		var ch reportCheck
		var f sql.NullInt64
		if err := rows.Scan(&ch.Name, &ch.Model, &ch.Status, &ch.Severity, &ch.Description, &f); err != nil {
			rows.Close()
			return err
		}
		ch.Failing = f.Int64
		d.Checks = append(d.Checks, ch)
	}
	rows.Close()
	rows, err = db.QueryContext(ctx, `SELECT replace(model, 'mart.', ''), rows FROM ops.models WHERE run_id = ? AND model LIKE 'mart.%' ORDER BY model`, sum.RunID)
	if err != nil {
		return err
	}
	for rows.Next() {
		var m reportMart
		rows.Scan(&m.Name, &m.Rows)
		d.Marts = append(d.Marts, m)
	}
	rows.Close()
	f, err := os.Create(filepath.Join(dir, "index.html"))
	if err != nil {
		return err
	}
	if err := reportTmpl.Execute(f, d); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

var reportTmpl = template.Must(template.New("report").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>edwh run {{.Summary.RunID}}</title>
<style>
body{font-family:system-ui,sans-serif;margin:2rem;max-width:70rem;color:#111}
table{border-collapse:collapse;margin:1rem 0}th,td{border:1px solid #999;padding:.25rem .5rem;text-align:left;vertical-align:top}
td.n{text-align:right;font-variant-numeric:tabular-nums}th{background:#eee}
.ok{font-weight:bold}.bad{font-weight:bold;text-decoration:underline}
</style></head><body>
<h1>edwh nightly load{{if .LACode}}, LA {{.LACode}}{{end}}</h1>
<p>Run {{.Summary.RunID}} ({{.Summary.Trigger}}), started {{.Summary.Started.Format "2 January 2006 15:04"}}. Report generated {{.Generated}}.</p>
<table>
<tr><th>Files seen</th><td class="n">{{.Summary.FilesSeen}}</td></tr>
<tr><th>Files loaded</th><td class="n">{{.Summary.FilesLoaded}}</td></tr>
<tr><th>Files refused</th><td class="n">{{.Summary.FilesRefused}}</td></tr>
<tr><th>Rows loaded</th><td class="n">{{.Summary.RowsLoaded}}</td></tr>
<tr><th>Rows quarantined</th><td class="n">{{.Summary.RowsQuarantined}}</td></tr>
<tr><th>Values set to NULL or flagged</th><td class="n">{{.Summary.ValuesNulled}}</td></tr>
<tr><th>Data checks</th><td class="n">{{.Summary.ChecksRun}} run, {{len .Summary.ChecksWarned}} warnings</td></tr>
</table>
{{if .Summary.Refused}}<h2>Files refused</h2><ul>{{range .Summary.Refused}}<li>{{.}}</li>{{end}}</ul>{{end}}
<h2>Files loaded in this run</h2>
{{if .Loads}}<table><tr><th>Source</th><th>File</th><th>Status</th><th>Read</th><th>Loaded</th><th>Quarantined</th><th>Values nulled</th><th>Notes</th></tr>
{{range .Loads}}<tr><td>{{.Source}}</td><td>{{.Path}}</td><td>{{.Status}}</td><td class="n">{{.Read}}</td><td class="n">{{.Loaded}}</td><td class="n">{{.Quarantined}}</td><td class="n">{{.Nulled}}</td><td>{{.Message}}</td></tr>
{{end}}</table>{{else}}<p>No new files.</p>{{end}}
<h2>Quarantine, by reason</h2>
{{if .Quarantine}}<p>Values are not shown here; <code>edwh quarantine</code> lists each row with its file, line and column.</p>
<table><tr><th>File</th><th>Column</th><th>Reason</th><th>Action</th><th>Rows</th><th>First line</th></tr>
{{range .Quarantine}}<tr><td>{{.File}}</td><td>{{.Column}}</td><td>{{.Reason}}</td><td>{{.Action}}</td><td class="n">{{.Rows}}</td><td class="n">{{.FirstLine}}</td></tr>
{{end}}</table>{{else}}<p>Nothing quarantined.</p>{{end}}
<h2>Data checks</h2>
<table><tr><th>Check</th><th>Status</th><th>Severity</th><th>Failing rows</th><th>What it checks</th></tr>
{{range .Checks}}<tr><td>{{.Name}}</td><td class="{{if eq .Status "pass"}}ok{{else}}bad{{end}}">{{.Status}}</td><td>{{.Severity}}</td><td class="n">{{.Failing}}</td><td>{{.Description}}</td></tr>
{{end}}</table>
<h2>Published marts</h2>
<table><tr><th>Mart</th><th>Rows</th></tr>{{range .Marts}}<tr><td>{{.Name}}</td><td class="n">{{.Rows}}</td></tr>{{end}}</table>
</body></html>
`))
