package pipeline

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"html/template"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/edwh/edwh/pipeline/report/chart"
)

// reportData is what the run report shows.
type reportData struct {
	Summary    *Summary
	LACode     int
	LAName     string
	Generated  string
	Loads      []reportLoad
	Quarantine []reportReason
	Checks     []reportCheck
	Marts      []reportMart
	Ranks      []rankRow
	Gaps       []figure
	Effects    []figure
	Support    []schoolRow
	Showcase   []schoolRow
	Notes      []string // why a section is empty
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

type rankRow struct {
	Measure, Year, Value, National, Neighbours, Trend, Source string
	Chart                                                     template.HTML
}

type figure struct {
	Title string
	Chart template.HTML
	Note  string
}

type schoolRow struct {
	Name, Phase, Year string
	Measures          []string
}

// writeReport writes report/index.html and report/dictionary.html:
// self-contained pages (no scripts, no network) an analyst can open from a
// file share and forward. The charts are SVG drawn by edwh. Values of
// quarantined rows are never shown; suppressed figures show as suppressed.
func writeReport(ctx context.Context, db *sql.Conn, dir string, c *Config, sum *Summary, tableDocs map[string]string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	d := &reportData{Summary: sum, LACode: c.LACode, Generated: time.Now().Format("2 January 2006 15:04")}
	steps := []func(context.Context, *sql.Conn, *reportData) error{
		reportRun, reportRanks, reportGaps, reportEffects, reportSchools,
	}
	for _, step := range steps {
		if err := step(ctx, db, d); err != nil {
			return err
		}
	}
	if err := writeTemplate(filepath.Join(dir, "index.html"), reportTmpl, d); err != nil {
		return err
	}
	dict, err := dictionaryPage(ctx, db, tableDocs)
	if err != nil {
		return err
	}
	return writeTemplate(filepath.Join(dir, "dictionary.html"), dictTmpl, dict)
}

// writeTemplate renders t to path through a buffer: a template writes
// each piece of literal text and each value separately, 8,800 system calls
// for the demo LA's two pages unbuffered.
func writeTemplate(path string, t *template.Template, data any) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	err = t.Execute(w, data)
	if err == nil {
		err = w.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// queryRows runs q and calls scan for each row.
func queryRows(ctx context.Context, db *sql.Conn, q string, scan func(*sql.Rows) error, args ...any) error {
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

func reportRun(ctx context.Context, db *sql.Conn, d *reportData) error {
	id := d.Summary.RunID
	err := queryRows(ctx, db, `SELECT source, path, status, coalesce(message, ''), rows_read, rows_loaded,
		rows_quarantined, values_nulled FROM ops.loads WHERE run_id = ? ORDER BY load_id`, func(r *sql.Rows) error {
		var l reportLoad
		d.Loads = append(d.Loads, l)
		p := &d.Loads[len(d.Loads)-1]
		return r.Scan(&p.Source, &p.Path, &p.Status, &p.Message, &p.Read, &p.Loaded, &p.Quarantined, &p.Nulled)
	}, id)
	if err != nil {
		return err
	}
	err = queryRows(ctx, db, `SELECT source, file, coalesce("column", ''), reason, action, count(*), coalesce(min(line), 0)
		FROM ops.quarantine WHERE run_id = ? GROUP BY ALL ORDER BY count(*) DESC, file LIMIT 200`, func(r *sql.Rows) error {
		var q reportReason
		if err := r.Scan(&q.Source, &q.File, &q.Column, &q.Reason, &q.Action, &q.Rows, &q.FirstLine); err != nil {
			return err
		}
		d.Quarantine = append(d.Quarantine, q)
		return nil
	}, id)
	if err != nil {
		return err
	}
	err = queryRows(ctx, db, `SELECT "check", coalesce(model, ''), status, severity, coalesce(description, ''), coalesce(failing_rows, 0)
		FROM ops.checks WHERE run_id = ? ORDER BY status = 'pass', "check"`, func(r *sql.Rows) error {
		var ch reportCheck
		if err := r.Scan(&ch.Name, &ch.Model, &ch.Status, &ch.Severity, &ch.Description, &ch.Failing); err != nil {
			return err
		}
		d.Checks = append(d.Checks, ch)
		return nil
	}, id)
	if err != nil {
		return err
	}
	return queryRows(ctx, db, `SELECT replace(model, 'mart.', ''), rows FROM ops.models WHERE run_id = ? AND model LIKE 'mart.%' ORDER BY model`,
		func(r *sql.Rows) error {
			var m reportMart
			if err := r.Scan(&m.Name, &m.Rows); err != nil {
				return err
			}
			d.Marts = append(d.Marts, m)
			return nil
		}, id)
}

// tableExists guards sections whose mart may be missing from a deployment.
func tableExists(ctx context.Context, db *sql.Conn, schema, name string) (bool, error) {
	var n int
	err := db.QueryRowContext(ctx, `SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?`, schema, name).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("looking for %s.%s: %w", schema, name, err)
	}
	return n > 0, nil
}

func fnum(v float64) string {
	s := fmt.Sprintf("%.2f", v)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	if s == "-0" {
		s = "0"
	}
	return s
}

// reportRanks: the LA's latest national and neighbour ranks per measure,
// with every LA's value as a dot plot, ours and our neighbours marked.
func reportRanks(ctx context.Context, db *sql.Conn, d *reportData) error {
	if d.LACode == 0 {
		d.Notes = append(d.Notes, "Rankings: set la_code in edwh.yaml to see where your LA stands.")
		return nil
	}
	if ok, err := tableExists(ctx, db, "mart", "rankings"); err != nil || !ok {
		return err
	}
	// A failed query fails the report (and so the run, which says why):
	// a report that quietly leaves out the rankings, or draws them without
	// the neighbours marked, would be read as if it were complete.
	var name sql.NullString
	if err := db.QueryRowContext(ctx, `SELECT any_value(entity_name) FROM mart.rankings WHERE entity_level = 'la' AND la_code = ?`, d.LACode).Scan(&name); err != nil {
		return fmt.Errorf("rankings: the LA's name: %w", err)
	}
	d.LAName = name.String
	neighbours := map[string]bool{}
	err := queryRows(ctx, db, `SELECT CAST(neighbour_la_code AS VARCHAR) FROM stg.neighbours WHERE la_code = ? AND in_use`, func(r *sql.Rows) error {
		var s string
		if err := r.Scan(&s); err != nil {
			return err
		}
		neighbours[s] = true
		return nil
	}, d.LACode)
	if err != nil {
		return fmt.Errorf("rankings: statistical neighbours: %w", err)
	}
	type latest struct {
		measure, label, unit, source, year string
		tp                                 int
		higher                             bool
		value                              float64
		nat, natN, nb, nbN, prev           sql.NullInt64
	}
	var ls []latest
	err = queryRows(ctx, db, `WITH ours AS (SELECT * FROM mart.rankings WHERE entity_level = 'la' AND la_code = ?)
		SELECT measure, coalesce(measure_label, measure), coalesce(unit, ''), source, academic_year, time_period, coalesce(higher_is_better, true),
		       value, national_rank, national_n, neighbour_rank, neighbour_n, national_rank_prev
		FROM ours QUALIFY time_period = max(time_period) OVER (PARTITION BY measure, source)
		ORDER BY measure, source`, func(r *sql.Rows) error {
		var l latest
		if err := r.Scan(&l.measure, &l.label, &l.unit, &l.source, &l.year, &l.tp, &l.higher, &l.value, &l.nat, &l.natN, &l.nb, &l.nbN, &l.prev); err != nil {
			return err
		}
		ls = append(ls, l)
		return nil
	}, d.LACode)
	if err != nil {
		return fmt.Errorf("rankings: the LA's latest figures: %w", err)
	}
	for _, l := range ls {
		row := rankRow{Measure: l.label, Year: l.year, Value: fnum(l.value) + " " + l.unit, Source: l.source,
			National: "not ranked (national data not loaded)", Neighbours: "-"}
		if l.nat.Valid {
			row.National = fmt.Sprintf("%d of %d", l.nat.Int64, l.natN.Int64)
		}
		if l.nb.Valid {
			row.Neighbours = fmt.Sprintf("%d of %d", l.nb.Int64, l.nbN.Int64)
		}
		if l.prev.Valid && l.nat.Valid {
			switch {
			case l.nat.Int64 < l.prev.Int64:
				row.Trend = fmt.Sprintf("up from %d", l.prev.Int64)
			case l.nat.Int64 > l.prev.Int64:
				row.Trend = fmt.Sprintf("down from %d", l.prev.Int64)
			default:
				row.Trend = "unchanged"
			}
		}
		var pts []chart.Point
		err := queryRows(ctx, db, `SELECT entity_code, coalesce(entity_name, entity_code), value FROM mart.rankings
			WHERE entity_level = 'la' AND measure = ? AND source = ? AND time_period = ? AND value IS NOT NULL
			ORDER BY entity_code`, func(r *sql.Rows) error {
			var code, name string
			var v float64
			if err := r.Scan(&code, &name, &v); err != nil {
				return err
			}
			p := chart.Point{Label: name, Value: &v}
			switch {
			case code == fmt.Sprint(d.LACode):
				p.Highlight = true
			case neighbours[code]:
				p.Group = "statistical neighbour"
			}
			pts = append(pts, p)
			return nil
		}, l.measure, l.source, l.tp)
		if err != nil {
			return fmt.Errorf("rankings: every LA's %s (%s, %s): %w", l.measure, l.source, l.year, err)
		}
		if len(pts) > 1 {
			svg, err := (&chart.DotPlot{Title: l.label + ", " + l.year, Unit: strings.TrimSpace(l.label + " " + l.unit),
				Points: pts, HigherIsBetter: l.higher}).SVG()
			if err != nil {
				return fmt.Errorf("rankings: dot plot: %w", err)
			}
			row.Chart = template.HTML(svg)
		}
		d.Ranks = append(d.Ranks, row)
	}
	if len(d.Ranks) == 0 {
		d.Notes = append(d.Notes, "Rankings: no published DfE figures for your LA are loaded (drop performance tables or EES files into landing/perf_*/ or landing/ees/).")
	}
	return nil
}

// gapMeasures are charted per comparison, from phonics to KS4.
var gapMeasures = []struct{ measure, label string }{
	{"phonics_expected", "Phonics: % meeting the standard"},
	{"ks2_rwm_expected", "KS2: % reading, writing and maths expected"},
	{"ks4_eng_mat_94", "KS4: % English and maths grade 4+"},
	{"overall_absence_rate", "Overall absence %"},
	{"suspension_rate", "Suspensions per 100 pupils"},
}

// reportGaps: the LA's gaps from pupil data, by key stage, over the years.
func reportGaps(ctx context.Context, db *sql.Conn, d *reportData) error {
	if ok, err := tableExists(ctx, db, "mart", "gaps"); err != nil || !ok {
		return err
	}
	if d.LACode == 0 {
		// A deployment of national or several LAs' data has no one LA to
		// chart: every LA would share each year of a line.
		d.Notes = append(d.Notes, "Gaps over time: no la_code in edwh.yaml, so there is no one LA to chart; every LA's gaps are in the gaps mart (level 'la').")
		return nil
	}
	for _, cmp := range []struct{ key, title string }{
		{"disadvantaged_vs_other", "Disadvantaged pupils compared with other pupils"},
		{"sen_support_vs_no_sen", "Pupils on SEN support compared with pupils with no SEN"},
		{"ehcp_vs_no_sen", "Pupils with an EHC plan compared with pupils with no SEN"},
	} {
		var series []chart.Series
		for _, m := range gapMeasures {
			s := chart.Series{Name: m.label}
			err := queryRows(ctx, db, `SELECT academic_year, gap, suppressed FROM mart.gaps
				WHERE level = 'la' AND source = 'pupil_data' AND comparison = ? AND measure = ?
				  AND la_code = ? ORDER BY time_period`, func(r *sql.Rows) error {
				var year string
				var gap sql.NullFloat64
				var sup bool
				if err := r.Scan(&year, &gap, &sup); err != nil {
					return err
				}
				p := chart.XY{X: year, Suppressed: sup}
				if gap.Valid && !sup {
					v := gap.Float64
					p.Y = &v
				}
				s.Points = append(s.Points, p)
				return nil
			}, cmp.key, m.measure, d.LACode)
			if err != nil {
				return err
			}
			if len(s.Points) > 0 {
				series = append(series, s)
			}
		}
		if len(series) == 0 {
			continue
		}
		svg, err := (&chart.LineChart{Title: cmp.title, Unit: "gap (group minus reference), percentage points",
			XLabel: "academic year", Series: series}).SVG()
		if err != nil {
			return fmt.Errorf("gap chart: %w", err)
		}
		d.Gaps = append(d.Gaps, figure{Title: cmp.title, Chart: template.HTML(svg),
			Note: "Below zero, the group does worse on attainment; above zero, it is absent or suspended more."})
	}
	if len(d.Gaps) == 0 {
		d.Notes = append(d.Notes, "Gaps: no pupil-level results, attendance or exclusions are loaded yet.")
	}
	return nil
}

// reportEffects: a forest plot per programme and measure.
func reportEffects(ctx context.Context, db *sql.Conn, d *reportData) error {
	if ok, err := tableExists(ctx, db, "mart", "intervention_effects"); err != nil || !ok {
		return err
	}
	type key struct{ programme, measure string }
	rows := map[key][]chart.ForestRow{}
	var keys []key
	err := queryRows(ctx, db, `SELECT programme, measure, level, coalesce(group_id, ''), coalesce(s.name, CAST(e.urn AS VARCHAR), ''),
		did, ci_low, ci_high, suppressed
		FROM mart.intervention_effects e LEFT JOIN mart.schools s ON s.urn = e.urn
		WHERE pupil_group = 'all' AND level IN ('programme', 'group')
		  AND measure IN ('overall_absence_rate', 'persistent_absence_rate', 'suspension_rate', 'ks2_rwm_expected', 'ks4_att8')
		ORDER BY programme, measure, level DESC, group_id`, func(r *sql.Rows) error {
		var p, m, level, group, school string
		var did, lo, hi sql.NullFloat64
		var sup bool
		if err := r.Scan(&p, &m, &level, &group, &school, &did, &lo, &hi, &sup); err != nil {
			return err
		}
		k := key{p, m}
		if _, ok := rows[k]; !ok {
			keys = append(keys, k)
		}
		fr := chart.ForestRow{Label: "group " + group, Pooled: level == "programme", Suppressed: sup || !did.Valid || !lo.Valid}
		if level == "programme" {
			fr.Label = "whole programme"
		}
		if !fr.Suppressed {
			fr.Estimate, fr.Lower, fr.Upper = did.Float64, lo.Float64, hi.Float64
		}
		rows[k] = append(rows[k], fr)
		return nil
	})
	if err != nil {
		return err
	}
	for _, k := range keys {
		rs := rows[k]
		// The pooled row goes last.
		sort.SliceStable(rs, func(i, j int) bool { return !rs[i].Pooled && rs[j].Pooled })
		svg, err := (&chart.ForestPlot{Title: k.programme + ": " + strings.ReplaceAll(k.measure, "_", " "),
			Unit: "difference in differences (measure's units)", Interval: "95% interval (schools resampled; never narrower than the pupils' sampling error)", Rows: rs}).SVG()
		if err != nil {
			return fmt.Errorf("forest plot: %w", err)
		}
		d.Effects = append(d.Effects, figure{Title: k.programme + " — " + strings.ReplaceAll(k.measure, "_", " "), Chart: template.HTML(svg),
			Note: "Change in programme schools less the change in similar schools not in it. An interval that crosses zero is not evidence of an effect."})
	}
	return nil
}

// reportSchools: schools last or first among their similar schools on two
// or more measures in the latest year.
func reportSchools(ctx context.Context, db *sql.Conn, d *reportData) error {
	if ok, err := tableExists(ctx, db, "stg", "school_neighbour_ranks"); err != nil || !ok {
		return err
	}
	collect := func(cond string) ([]schoolRow, error) {
		var out []schoolRow
		err := queryRows(ctx, db, `WITH latest AS (
				SELECT * FROM stg.school_neighbour_ranks WHERE neighbour_n >= 4 AND (? = 0 OR la_code = ?)
				QUALIFY time_period = max(time_period) OVER ())
			SELECT coalesce(s.name, CAST(l.urn AS VARCHAR)), coalesce(s.phase, ''), edwh_year_label(l.time_period),
			       list(replace(l.measure, '_', ' ') || ' ' || CAST(round(l.value, 1) AS VARCHAR) || ' (' || l.neighbour_rank || ' of ' || l.neighbour_n || ')' ORDER BY l.measure)
			FROM latest l LEFT JOIN mart.schools s ON s.urn = l.urn
			WHERE `+cond+`
			GROUP BY ALL HAVING count(*) >= 2 ORDER BY count(*) DESC, 1 LIMIT 10`, func(r *sql.Rows) error {
			var sr schoolRow
			var ms []any
			if err := r.Scan(&sr.Name, &sr.Phase, &sr.Year, &ms); err != nil {
				return err
			}
			for _, m := range ms {
				sr.Measures = append(sr.Measures, fmt.Sprint(m))
			}
			out = append(out, sr)
			return nil
		}, d.LACode, d.LACode)
		return out, err
	}
	var err error
	if d.Support, err = collect("l.neighbour_rank = l.neighbour_n"); err != nil {
		return err
	}
	d.Showcase, err = collect("l.neighbour_rank = 1")
	return err
}

type dictTable struct {
	Name, Description string
	Columns           []dictColumn
}

type dictColumn struct{ Name, Type, Description string }

// dictionaryPage lists every published table and column with its meaning.
func dictionaryPage(ctx context.Context, db *sql.Conn, tableDocs map[string]string) ([]dictTable, error) {
	dict, err := LoadDictionary()
	if err != nil {
		return nil, err
	}
	var out []dictTable
	err = queryRows(ctx, db, `SELECT t.table_name, '', c.column_name, c.data_type
		FROM duckdb_tables() t JOIN duckdb_columns() c ON c.table_oid = t.table_oid
		WHERE t.schema_name = 'mart' ORDER BY t.table_name, c.column_index`, func(r *sql.Rows) error {
		var tname, tdesc, col, typ string
		if err := r.Scan(&tname, &tdesc, &col, &typ); err != nil {
			return err
		}
		if len(out) == 0 || out[len(out)-1].Name != tname {
			out = append(out, dictTable{Name: tname, Description: tableDocs[tname] + tdesc})
		}
		t := &out[len(out)-1]
		t.Columns = append(t.Columns, dictColumn{col, typ, dict.Describe(tname, col)})
		return nil
	})
	if err != nil {
		return nil, err
	}
	// The run ledger tables the snapshot publishes next to the marts, with
	// the columns their queries give (the run number does not change them).
	for _, o := range opsSnapshotTables(0) {
		t := dictTable{Name: o.name, Description: dict.TableDescription(o.name)}
		err := queryRows(ctx, db, "DESCRIBE "+o.query, func(r *sql.Rows) error {
			cols, err := r.Columns()
			if err != nil {
				return err
			}
			vals := make([]any, len(cols))
			var col, typ string
			vals[0], vals[1] = &col, &typ
			for i := 2; i < len(vals); i++ {
				vals[i] = new(any)
			}
			if err := r.Scan(vals...); err != nil {
				return err
			}
			t.Columns = append(t.Columns, dictColumn{col, typ, dict.Describe(o.name, col)})
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("dictionary: %s: %w", o.name, err)
		}
		out = append(out, t)
	}
	return out, nil
}

var reportTmpl = template.Must(template.New("report").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>edwh: {{if .LAName}}{{.LAName}}{{else}}LA {{.LACode}}{{end}}, run {{.Summary.RunID}}</title>
<style>
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:72rem;padding:0 1rem;color:#111;line-height:1.4}
table{border-collapse:collapse;margin:1rem 0}th,td{border:1px solid #999;padding:.25rem .5rem;text-align:left;vertical-align:top}
td.n{text-align:right;font-variant-numeric:tabular-nums}th{background:#eee}
.ok{font-weight:bold}.bad{font-weight:bold;text-decoration:underline}
figure{margin:1.5rem 0}figure svg{max-width:100%;height:auto}figcaption{font-size:.9rem;color:#333}
nav a{margin-right:1rem}
</style></head><body>
<h1>{{if .LAName}}{{.LAName}}{{else if .LACode}}LA {{.LACode}}{{else}}edwh{{end}}: the nightly load</h1>
<nav><a href="#run">Load and data quality</a><a href="#ranks">Where we stand</a><a href="#gaps">Gaps</a><a href="#effects">Interventions</a><a href="#schools">Schools</a><a href="dictionary.html">Data dictionary</a></nav>
<p>Run {{.Summary.RunID}} ({{.Summary.Trigger}}), started {{.Summary.Started.Format "2 January 2006 15:04"}}; report generated {{.Generated}}.
Figures about fewer than six pupils are shown as <em>suppressed</em>.</p>

<h2 id="run">Load and data quality</h2>
<table>
<tr><th>Files new in this run</th><td class="n">{{.Summary.FilesNew}}</td></tr>
<tr><th>Files loaded</th><td class="n">{{.Summary.FilesLoaded}}</td></tr>
<tr><th>Files refused</th><td class="n">{{.Summary.FilesRefused}}</td></tr>
<tr><th>Rows loaded</th><td class="n">{{.Summary.RowsLoaded}}</td></tr>
<tr><th>Rows quarantined</th><td class="n">{{.Summary.RowsQuarantined}}</td></tr>
<tr><th>Values set to NULL or flagged</th><td class="n">{{.Summary.ValuesNulled}}</td></tr>
<tr><th>Data checks</th><td class="n">{{.Summary.ChecksRun}} run, {{len .Summary.ChecksFailed}} failed, {{len .Summary.ChecksWarned}} warnings</td></tr>
</table>
{{if .Summary.Refused}}<h3>Files refused</h3><ul>{{range .Summary.Refused}}<li>{{.}}</li>{{end}}</ul>{{end}}
{{if .Summary.ChecksFailed}}<h3>Failed checks</h3><ul>{{range .Summary.ChecksFailed}}<li>{{.}}</li>{{end}}</ul>{{end}}
<p><a href="#details">Files, quarantine and checks in detail</a></p>

<h2 id="ranks">Where we stand</h2>
{{if .Ranks}}<table><tr><th>Measure</th><th>Year</th><th>Our figure</th><th>National rank</th><th>Among statistical neighbours</th><th>Trend</th><th>Source</th></tr>
{{range .Ranks}}<tr><td>{{.Measure}}</td><td>{{.Year}}</td><td class="n">{{.Value}}</td><td>{{.National}}</td><td>{{.Neighbours}}</td><td>{{.Trend}}</td><td>{{.Source}}</td></tr>
{{end}}</table>
{{range .Ranks}}{{if .Chart}}<figure>{{.Chart}}<figcaption>{{.Measure}}, {{.Year}}: every LA with a published figure; ours is labelled, our statistical neighbours marked.</figcaption></figure>{{end}}{{end}}{{end}}

<h2 id="gaps">Gaps by key stage</h2>
{{range .Gaps}}<figure>{{.Chart}}<figcaption>{{.Title}}. {{.Note}}</figcaption></figure>{{end}}

<h2 id="effects">Intervention effects</h2>
{{range .Effects}}<figure>{{.Chart}}<figcaption>{{.Title}}. {{.Note}}</figcaption></figure>{{else}}<p>No programme in the interventions register yet.</p>{{end}}

<h2 id="schools">Schools to support and to showcase</h2>
<p>Schools ranked last (or first) among their similar schools (same phase, similar intake) on two or more measures, latest year. Each figure is followed by its rank among the school and its similar schools.</p>
<h3>To support</h3>
{{if .Support}}<table><tr><th>School</th><th>Phase</th><th>Year</th><th>Measures</th></tr>{{range .Support}}<tr><td>{{.Name}}</td><td>{{.Phase}}</td><td>{{.Year}}</td><td>{{range .Measures}}{{.}}<br>{{end}}</td></tr>{{end}}</table>{{else}}<p>None.</p>{{end}}
<h3>To showcase</h3>
{{if .Showcase}}<table><tr><th>School</th><th>Phase</th><th>Year</th><th>Measures</th></tr>{{range .Showcase}}<tr><td>{{.Name}}</td><td>{{.Phase}}</td><td>{{.Year}}</td><td>{{range .Measures}}{{.}}<br>{{end}}</td></tr>{{end}}</table>{{else}}<p>None.</p>{{end}}

<h2 id="details">Load details</h2>
{{if .Loads}}<details><summary>Files loaded ({{len .Loads}})</summary><table><tr><th>Source</th><th>File</th><th>Status</th><th>Read</th><th>Loaded</th><th>Quarantined</th><th>Values nulled</th><th>Notes</th></tr>
{{range .Loads}}<tr><td>{{.Source}}</td><td>{{.Path}}</td><td>{{.Status}}</td><td class="n">{{.Read}}</td><td class="n">{{.Loaded}}</td><td class="n">{{.Quarantined}}</td><td class="n">{{.Nulled}}</td><td>{{.Message}}</td></tr>
{{end}}</table></details>{{end}}
{{if .Quarantine}}<details><summary>Quarantine, by reason ({{len .Quarantine}} reasons)</summary><p>Values are not shown; <code>edwh quarantine</code> lists each row with its file, line and column.</p>
<table><tr><th>File</th><th>Column</th><th>Reason</th><th>Action</th><th>Rows</th><th>First line</th></tr>
{{range .Quarantine}}<tr><td>{{.File}}</td><td>{{.Column}}</td><td>{{.Reason}}</td><td>{{.Action}}</td><td class="n">{{.Rows}}</td><td class="n">{{.FirstLine}}</td></tr>
{{end}}</table></details>{{end}}
<details><summary>Data checks ({{len .Checks}})</summary>
<table><tr><th>Check</th><th>Status</th><th>Severity</th><th>Failing rows</th><th>What it checks</th></tr>
{{range .Checks}}<tr><td>{{.Name}}</td><td class="{{if eq .Status "pass"}}ok{{else}}bad{{end}}">{{.Status}}</td><td>{{.Severity}}</td><td class="n">{{.Failing}}</td><td>{{.Description}}</td></tr>
{{end}}</table></details>


{{if .Notes}}<h2>Not shown</h2><ul>{{range .Notes}}<li>{{.}}</li>{{end}}</ul>{{end}}
<h2>Published</h2>
<table><tr><th>Mart</th><th>Rows</th></tr>{{range .Marts}}<tr><td>{{.Name}}</td><td class="n">{{.Rows}}</td></tr>{{end}}</table>
</body></html>
`))

var dictTmpl = template.Must(template.New("dict").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>edwh data dictionary</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:72rem;padding:0 1rem}table{border-collapse:collapse;margin:.5rem 0 2rem}th,td{border:1px solid #999;padding:.25rem .5rem;text-align:left;vertical-align:top}th{background:#eee}code{font-size:1rem}</style>
</head><body><h1>Data dictionary</h1><p>Every published table (in <code>edwh.duckdb</code> and as Parquet) and its columns. <a href="index.html">Back to the report</a>.</p>
{{range .}}<h2 id="{{.Name}}"><code>{{.Name}}</code></h2><p>{{.Description}}</p>
<table><tr><th>Column</th><th>Type</th><th>Meaning</th></tr>{{range .Columns}}<tr><td><code>{{.Name}}</code></td><td>{{.Type}}</td><td>{{.Description}}</td></tr>{{end}}</table>{{end}}
</body></html>
`))
