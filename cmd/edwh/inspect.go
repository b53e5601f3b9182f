package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/edwh/edwh/pipeline"
	"github.com/edwh/edwh/pipeline/synth"
	"github.com/edwh/edwh/pipeline/warehouse"
)

// openReadOnly opens the working database for reading. While a run holds
// it, DuckDB allows no other process in; say so plainly.
func openReadOnly(c *pipeline.Config, stderr io.Writer) (*sql.DB, int) {
	if _, err := os.Stat(c.DatabasePath()); err != nil {
		fmt.Fprintf(stderr, "edwh: no working database yet at %s: run `edwh run` first\n", c.DatabasePath())
		return nil, exitFailed
	}
	db, err := warehouse.Open(c.DatabasePath(), warehouse.Options{ReadOnly: true})
	if err == nil {
		err = db.Ping()
	}
	if err != nil {
		if h := pipeline.LockHolder(filepath.Join(c.WarehouseDir(), "edwh.lock")); h != "" {
			fmt.Fprintf(stderr, "edwh: a run is under way (%s); try again when it finishes, or read publish/edwh.duckdb\n", h)
			return nil, exitLocked
		}
		fmt.Fprintln(stderr, "edwh:", err)
		return nil, exitFailed
	}
	return db, exitOK
}

func cmdRuns(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("runs", stderr)
	cfgPath := configFlag(fs)
	limit := fs.Int("limit", 20, "how many runs, newest first")
	if code, ok := parse(fs, args); !ok {
		return code
	}
	c, code := loadConfig(*cfgPath, stderr)
	if c == nil {
		return code
	}
	db, code := openReadOnly(c, stderr)
	if db == nil {
		return code
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, `SELECT run_id, strftime(started_at, '%Y-%m-%d %H:%M:%S'),
		coalesce(CAST(round(epoch(finished_at - started_at), 1) AS VARCHAR) || 's', '-'), trigger, status,
		files_seen, files_loaded, files_refused, rows_loaded, rows_quarantined, checks_failed, coalesce(error, '')
		FROM ops.runs ORDER BY run_id DESC LIMIT ?`, *limit)
	if err != nil {
		fmt.Fprintln(stderr, "edwh:", err)
		return exitFailed
	}
	defer rows.Close()
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "RUN\tSTARTED\tTOOK\tTRIGGER\tSTATUS\tFILES\tLOADED\tREFUSED\tROWS\tQUARANTINED\tCHECKS FAILED\tERROR")
	for rows.Next() {
		var id, seen, loaded, refused, failed int64
		var start, took, trig, status, e string
		var rl, rq int64
		if err := rows.Scan(&id, &start, &took, &trig, &status, &seen, &loaded, &refused, &rl, &rq, &failed, &e); err != nil {
			fmt.Fprintln(stderr, "edwh:", err)
			return exitFailed
		}
		if len(e) > 80 {
			e = e[:80] + "…"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%d\t%d\t%d\t%s\t%s\t%d\t%s\n", id, start, took, trig, status, seen, loaded, refused,
			thousands(rl), thousands(rq), failed, e)
	}
	tw.Flush()
	return exitOK
}

func cmdQuarantine(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("quarantine", stderr)
	cfgPath := configFlag(fs)
	runID := fs.Int("run", 0, "only this run (default: every run)")
	source := fs.String("source", "", "only this source")
	limit := fs.Int("limit", 100, "at most this many rows")
	all := fs.Bool("values", false, "include values nulled or flagged, not only rows quarantined")
	if code, ok := parse(fs, args); !ok {
		return code
	}
	c, code := loadConfig(*cfgPath, stderr)
	if c == nil {
		return code
	}
	db, code := openReadOnly(c, stderr)
	if db == nil {
		return code
	}
	defer db.Close()
	// Values of identifying columns were masked when stored; nothing here
	// prints a whole row.
	rows, err := db.QueryContext(ctx, `SELECT file, coalesce(CAST(line AS VARCHAR), '?'), coalesce("column", ''),
		coalesce(value, ''), reason, action, run_id FROM ops.quarantine
		WHERE (? = 0 OR run_id = ?) AND (? = '' OR source = ?) AND (? OR action IN ('row', 'unresolved'))
		ORDER BY run_id DESC, file, line, "column" LIMIT ?`, *runID, *runID, *source, *source, *all, *limit)
	if err != nil {
		fmt.Fprintln(stderr, "edwh:", err)
		return exitFailed
	}
	defer rows.Close()
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "FILE:LINE\tCOLUMN\tVALUE\tREASON\tACTION\tRUN")
	n := 0
	for rows.Next() {
		var file, line, col, val, reason, action string
		var run int64
		if err := rows.Scan(&file, &line, &col, &val, &reason, &action, &run); err != nil {
			fmt.Fprintln(stderr, "edwh:", err)
			return exitFailed
		}
		if len(val) > 30 {
			val = val[:30] + "…"
		}
		fmt.Fprintf(tw, "%s:%s\t%s\t%s\t%s\t%s\t%d\n", file, line, col, val, reason, action, run)
		n++
	}
	tw.Flush()
	if n == 0 {
		fmt.Fprintln(stdout, "nothing quarantined")
	}
	return exitOK
}

func cmdStatus(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("status", stderr)
	cfgPath := configFlag(fs)
	if code, ok := parse(fs, args); !ok {
		return code
	}
	c, code := loadConfig(*cfgPath, stderr)
	if c == nil {
		return code
	}
	now := time.Now()
	if jobs, loc, err := scheduleJobs(c); err == nil {
		for _, j := range jobs {
			fmt.Fprintf(stdout, "next run:  %s (job %s, %s, if `edwh schedule` is running)\n",
				j.Next(now).In(loc).Format("Mon 2 Jan 2006 15:04 MST"), j.Name, j.Spec)
		}
	}
	// The snapshot's age comes from the run ledger, not from file times:
	// a copied or restored deployment gives publish/ new mtimes.
	current, _ := os.Readlink(filepath.Join(c.PublishDir(), "current"))
	if h := pipeline.LockHolder(filepath.Join(c.WarehouseDir(), "edwh.lock")); h != "" {
		if current != "" {
			fmt.Fprintf(stdout, "published: %s (%s)\n", filepath.Base(current), rel(filepath.Join(c.PublishDir(), "edwh.duckdb")))
		}
		fmt.Fprintf(stdout, "running:   a run is under way (%s)\n", h)
		return exitOK
	}
	if current == "" {
		fmt.Fprintln(stdout, "published: nothing yet")
	}
	db, code := openReadOnly(c, stderr)
	if db == nil {
		return code
	}
	defer db.Close()
	// Ages are computed by DuckDB, against the clock that stamped them.
	var version sql.NullString
	var publishedAge, confirmedAge sql.NullFloat64
	var confirmedRun sql.NullInt64
	if err := db.QueryRowContext(ctx, `SELECT
		(SELECT published FROM ops.runs WHERE status = ? AND published IS NOT NULL ORDER BY run_id DESC LIMIT 1),
		(SELECT epoch(now()::TIMESTAMP - finished_at) FROM ops.runs WHERE status = ? AND published IS NOT NULL ORDER BY run_id DESC LIMIT 1),
		(SELECT run_id FROM ops.runs WHERE status IN (?, ?) ORDER BY run_id DESC LIMIT 1),
		(SELECT epoch(now()::TIMESTAMP - finished_at) FROM ops.runs WHERE status IN (?, ?) ORDER BY run_id DESC LIMIT 1)`,
		pipeline.StatusSucceeded, pipeline.StatusSucceeded, pipeline.StatusSucceeded, pipeline.StatusUnchanged,
		pipeline.StatusSucceeded, pipeline.StatusUnchanged).Scan(&version, &publishedAge, &confirmedRun, &confirmedAge); err != nil {
		fmt.Fprintln(stderr, "edwh:", err)
		return exitFailed
	}
	age := func(secs float64) time.Duration {
		return (time.Duration(secs * float64(time.Second))).Round(time.Minute)
	}
	if current != "" {
		if version.Valid && publishedAge.Valid {
			fmt.Fprintf(stdout, "published: %s, %s ago (%s)\n", version.String, age(publishedAge.Float64), rel(filepath.Join(c.PublishDir(), "edwh.duckdb")))
		} else {
			fmt.Fprintf(stdout, "published: %s, no run in the ledger published it (%s)\n", filepath.Base(current), rel(filepath.Join(c.PublishDir(), "edwh.duckdb")))
		}
	}
	var id int64
	var status, trigger string
	var started time.Time
	var errText sql.NullString
	if err := db.QueryRowContext(ctx, `SELECT run_id, status, trigger, started_at, error
		FROM ops.runs WHERE status <> 'skipped' ORDER BY run_id DESC LIMIT 1`).Scan(&id, &status, &trigger, &started, &errText); err != nil {
		fmt.Fprintln(stdout, "last run:  none")
		return exitOK
	}
	fmt.Fprintf(stdout, "last run:  %d %s (%s), started %s\n", id, status, trigger, started.Format("2006-01-02 15:04:05"))
	if errText.Valid {
		fmt.Fprintf(stdout, "           %s\n", errText.String)
	}
	// Stale: the last run did not publish, or no run has confirmed the
	// snapshot within schedule.stale_after. A run that found nothing new
	// ("unchanged") confirms it: the snapshot still holds everything in
	// the landing folder.
	stale := time.Duration(c.Schedule.StaleAfter)
	switch {
	case current == "":
	case status == pipeline.StatusFailed || status == pipeline.StatusInterrupted:
		fmt.Fprintln(stdout, "STALE:     the last run did not publish; the snapshot is from an earlier run")
	case !confirmedAge.Valid:
		fmt.Fprintln(stdout, "STALE:     no successful run in the ledger; the snapshot's age is unknown")
	case age(confirmedAge.Float64) > stale:
		fmt.Fprintf(stdout, "STALE:     the last successful run (%d) finished %s ago, more than %s (schedule.stale_after)\n",
			confirmedRun.Int64, age(confirmedAge.Float64), stale)
	default:
		fmt.Fprintln(stdout, "snapshot:  up to date")
	}
	return exitOK
}

func cmdSources(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("sources", stderr)
	if code, ok := parse(fs, args); !ok {
		return code
	}
	for _, s := range pipeline.Sources() {
		fmt.Fprintf(stdout, "%s: %s (landing/%s/)\n", s.Name, s.Description, s.Name)
		tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
		for _, f := range s.AllFields() {
			req := ""
			if f.Required {
				req = "mandatory"
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\n", f.Name, f.Header, f.Kind, req, strings.Join(f.Aliases, ", "))
		}
		tw.Flush()
		if s.SchoolKey {
			fmt.Fprintln(stdout, "  (school key: LAESTAB, or LA + ESTAB, or URN, is mandatory)")
		}
		if len(s.Drop) > 0 {
			fmt.Fprintf(stdout, "  never read: %s\n", strings.Join(s.Drop, ", "))
		}
		if s.Wide {
			fmt.Fprintf(stdout, "  every column of the file is also kept, as text, in %s\n", s.WideTable())
		}
		fmt.Fprintln(stdout)
	}
	return exitOK
}

func cmdSynth(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("synth", stderr)
	landing := fs.String("landing", "", "the landing folder to write into")
	seed := fs.Int64("seed", 1, "random seed: the same seed writes the same bytes")
	schools := fs.Int("schools", 0, "number of schools (default 60)")
	pupils := fs.Int("pupils", 0, "pupils on roll each year (default 30000)")
	if code, ok := parse(fs, args); !ok {
		return code
	}
	if *landing == "" {
		fs.Usage()
		return exitUsage
	}
	t, err := synth.Generate(synth.Config{Seed: *seed, Schools: *schools, Pupils: *pupils}, *landing)
	if err != nil {
		fmt.Fprintln(stderr, "edwh:", err)
		return exitFailed
	}
	var rows int
	for _, n := range t.Rows {
		rows += n
	}
	fmt.Fprintf(stdout, "wrote a synthetic LA (%d schools, %s rows in %d sources) to %s\n", len(t.Schools), thousands(int64(rows)), len(t.Rows), *landing)
	return exitOK
}
