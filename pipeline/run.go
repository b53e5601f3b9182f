package pipeline

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"database/sql/driver"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/edwh/edwh/connectors"
	fp "github.com/edwh/edwh/internal/failpoint"
	"github.com/edwh/edwh/pipeline/warehouse"
	edwhsql "github.com/edwh/edwh/sql"
	"github.com/edwh/edwh/transforms"
)

// Run statuses recorded in ops.runs.
const (
	StatusRunning     = "running"
	StatusSucceeded   = "succeeded"
	StatusUnchanged   = "unchanged" // nothing new since the last published run
	StatusFailed      = "failed"
	StatusInterrupted = "interrupted" // killed, or the machine stopped, mid-run
)

// Runner runs the pipeline once for a deployment.
type Runner struct {
	// Config is the deployment.
	Config *Config
	// Log receives structured progress; the zero value logs nothing.
	Log zerolog.Logger
	// Progress, when set, gets a one-line progress display (a terminal).
	Progress io.Writer
	// Trigger is recorded in ops.runs: "manual" (default), "schedule" or
	// "catch-up".
	Trigger string
	// Now is the clock (default time.Now), for tests.
	Now func() time.Time
	// Only limits ingest to these sources (default all); transforms and
	// publish still cover everything.
	Only []string
	// Skipped triggers to record in ops.runs before this run starts, with
	// those noted in the journal (NoteSkipped).
	Skipped []Skipped
	// Rebuild builds every model, even those whose inputs have not changed
	// since the last run (which are otherwise kept as they are), and
	// publishes even when nothing is new.
	Rebuild bool
	// IngestOnly loads the new files and stops there: no models, no
	// checks, no publish. The next run builds from them as from files it
	// loaded itself. edwh bench uses it to time ingest alone.
	IngestOnly bool
}

// Summary is what a run did, for the terminal and the report.
type Summary struct {
	RunID           int64
	Status          string
	Trigger         string
	Started         time.Time
	Duration        time.Duration
	FilesSeen       int // files in the landing folders
	FilesNew        int // of which not seen by an earlier run
	FilesLoaded     int
	FilesRefused    int
	FilesWaiting    int
	RowsLoaded      int64
	RowsQuarantined int64
	ValuesNulled    int64
	// RowsUnresolved are programme register rows loaded but held back
	// because their school does not resolve (ops.quarantine, 'unresolved').
	RowsUnresolved int64
	Models         int
	ModelsKept     int // of which kept from the last run: nothing they read changed
	// ModelsUnchanged were rebuilt and came out with the same rows as the
	// last run's table, which stays (so the models reading them are kept).
	ModelsUnchanged int
	// ModelsPartial were rebuilt only for the partitions (census dates,
	// pupils) the new rows fall in (transforms.Partition).
	ModelsPartial int
	ChecksRun     int
	ChecksCarried int // of which carried from the last run: they read only kept models
	ChecksFailed  []string
	ChecksWarned  []string
	Refused       []string // one line per refused file: path and reason
	Published     string   // publish/ version, when one was written
	PublishDir    string
	// Phases times each step of the run, in order.
	Phases []Phase
	Err    error
}

// Phase is one step of a run and how long it took.
type Phase struct {
	Name     string // "ingest", "transform", "publish"
	Rows     int64  // rows loaded, or rows built by the models
	Duration time.Duration
}

// phase records a step's duration since start.
func (s *Summary) phase(name string, rows int64, start time.Time) {
	s.Phases = append(s.Phases, Phase{Name: name, Rows: rows, Duration: time.Since(start)})
}

// failpoint lets crash tests kill the process at a named point of a run
// (EDWH_FAILPOINT=after-load:2 dies after the second file has committed);
// see internal/failpoint.
func failpoint(name string, n int) { fp.Hit(name, n) }

func (r *Runner) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

// OpenWorking opens the working database of a deployment with the
// pseudonymisation key defined on every connection.
func OpenWorking(c *Config, secret Secret) (*sql.DB, error) {
	tmp := filepath.Join(c.WarehouseDir(), "tmp")
	if err := os.MkdirAll(tmp, 0o755); err != nil {
		return nil, err
	}
	return warehouse.Open(c.DatabasePath(), warehouse.Options{
		MemoryLimit: c.MemoryLimit,
		Threads:     c.Threads,
		TempDir:     tmp,
		Init: func(ctx context.Context, ex driver.ExecerContext) error {
			if err := setParameters(ctx, ex, paramValues(c)); err != nil {
				return err
			}
			return secret.initConn(ctx, ex)
		},
	})
}

// Run takes the warehouse lock and runs ingest, transform, check and
// publish. The error is nil only when the run succeeded or found nothing
// new; the summary is filled in either way.
func (r *Runner) Run(ctx context.Context) (*Summary, error) {
	c := r.Config
	sum := &Summary{Started: r.now(), Trigger: r.Trigger, PublishDir: c.PublishDir()}
	if sum.Trigger == "" {
		sum.Trigger = "manual"
	}
	if err := os.MkdirAll(c.WarehouseDir(), 0o755); err != nil {
		return sum, err
	}
	lock, err := AcquireLock(filepath.Join(c.WarehouseDir(), "edwh.lock"))
	if err != nil {
		sum.Status, sum.Err = StatusFailed, err
		return sum, err
	}
	defer lock.Release()

	secret, err := LoadSecret(c)
	if err != nil {
		sum.Status, sum.Err = StatusFailed, err
		return sum, err
	}
	db, err := OpenWorking(c, secret)
	if err != nil {
		sum.Status, sum.Err = StatusFailed, err
		return sum, fmt.Errorf("opening the working database %s: %w", c.DatabasePath(), err)
	}
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		return sum, err
	}
	defer conn.Close()

	if err := warehouse.Migrate(ctx, conn); err != nil {
		return sum, err
	}
	// We hold the lock: any run still marked running was killed.
	if _, err := conn.ExecContext(ctx, `UPDATE ops.runs SET status = ?, finished_at = coalesce(finished_at, now()),
		error = coalesce(error, 'the run stopped without finishing (killed, or the machine stopped); nothing it did was published')
		WHERE status = ?`, StatusInterrupted, StatusRunning); err != nil {
		return sum, err
	}
	if err := recordSkipped(ctx, conn, c, r.Skipped); err != nil {
		return sum, err
	}
	if err := conn.QueryRowContext(ctx, `INSERT INTO ops.runs (run_id, started_at, trigger, status)
		VALUES (nextval('ops.run_seq'), ?, ?, ?) RETURNING run_id`, sum.Started, sum.Trigger, StatusRunning).Scan(&sum.RunID); err != nil {
		return sum, err
	}
	log := r.Log.With().Int64("run", sum.RunID).Logger()
	log.Info().Str("trigger", sum.Trigger).Msg("run started")

	runErr := r.run(ctx, db, conn, secret, sum, log)
	if runErr != nil && ctx.Err() != nil {
		// Cancelled (the scheduler's shutdown grace ran out, or Ctrl-C):
		// the staged models are dropped, the models keep the last good
		// run's tables, and nothing is published.
		runErr = fmt.Errorf("run cancelled before it finished (%w): nothing was published and the transforms rolled back; files already loaded stay loaded (%v)", ctx.Err(), runErr)
	}
	sum.Duration = r.now().Sub(sum.Started)
	switch {
	case runErr != nil:
		sum.Status, sum.Err = StatusFailed, runErr
	case sum.Status == "":
		sum.Status = StatusSucceeded
	}
	// Record the outcome even if ctx was cancelled (graceful shutdown).
	fin := context.WithoutCancel(ctx)
	var errText any
	if sum.Err != nil {
		errText = sum.Err.Error()
	}
	if _, err := conn.ExecContext(fin, `UPDATE ops.runs SET finished_at = now(), status = ?, files_seen = ?, files_loaded = ?,
		files_refused = ?, rows_loaded = ?, rows_quarantined = ?, checks_failed = ?, published = nullif(?, ''), error = ?
		WHERE run_id = ?`, sum.Status, sum.FilesSeen, sum.FilesLoaded, sum.FilesRefused, sum.RowsLoaded, sum.RowsQuarantined,
		len(sum.ChecksFailed), sum.Published, errText, sum.RunID); err != nil && runErr == nil {
		runErr = err
	}
	ev := log.Info()
	if runErr != nil {
		ev = log.Error().Err(runErr)
	}
	ev.Str("status", sum.Status).Int("files_loaded", sum.FilesLoaded).Int64("rows_loaded", sum.RowsLoaded).
		Int64("rows_quarantined", sum.RowsQuarantined).Str("took", sum.Duration.Round(time.Millisecond).String()).Msg("run finished")
	return sum, runErr
}

func (r *Runner) run(ctx context.Context, db *sql.DB, conn *sql.Conn, secret Secret, sum *Summary, log zerolog.Logger) error {
	c := r.Config
	sources := Sources()
	// Every raw table's DDL in one transaction: with a commit for each
	// statement, creating them took 0.6 s of a new LA deployment's run.
	ddl, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer ddl.Rollback()
	for _, s := range sources {
		if err := connectors.EnsureTable(ctx, ddl, s); err != nil {
			return err
		}
	}
	if err := ddl.Commit(); err != nil {
		return err
	}

	if st, err := os.Stat(c.LandingDir()); err != nil || !st.IsDir() {
		return alsoIs{fmt.Errorf("%w: the landing folder %s does not exist; create it (edwh init DIR makes one) or set landing: in edwh.yaml", ErrConfig, c.LandingDir()), ErrLandingUnavailable}
	}
	r.warnUnknownFolders(log, sources)

	// 1. Ingest: each file in its own transaction, sources side by side.
	ingestStart := time.Now()
	failpoint("ingest", 1)
	if err := r.ingest(ctx, db, sum, log, sources); err != nil {
		return err
	}
	r.progress("")
	sum.phase("ingest (all sources)", sum.RowsLoaded, ingestStart)
	if r.IngestOnly {
		return nil
	}

	// 2. Anything new since the last publish? Compare a fingerprint of the
	// loads in force, the models and the settings that shape the outputs.
	project, err := transforms.Load(edwhsql.FS)
	if err != nil {
		return err
	}
	state, err := stateHash(ctx, conn, project, c, secret)
	if err != nil {
		return err
	}
	if _, err := conn.ExecContext(ctx, `UPDATE ops.runs SET state_hash = ? WHERE run_id = ?`, state, sum.RunID); err != nil {
		return err
	}
	var last sql.NullString
	if err := conn.QueryRowContext(ctx, `SELECT state_hash FROM ops.runs WHERE status IN (?, ?) AND run_id <> ?
		ORDER BY run_id DESC LIMIT 1`, StatusSucceeded, StatusUnchanged, sum.RunID).Scan(&last); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	if last.Valid && last.String == state && publishedVersion(c) != "" && !r.Rebuild {
		sum.Status = StatusUnchanged
		log.Info().Msg("nothing new since the last published run")
		return nil
	}

	// 3. Transform and check. Each model rebuilt is built as a staged table
	// of its own (transforms.BuildStaged), the checks read those, and only
	// when no blocking check fails does one transaction put them in place,
	// with the run's records: a failure or a kill before that leaves the
	// models as the last good run left them.
	if err := project.Verify(ctx, conn); err != nil {
		return err
	}
	transformStart := time.Now()
	// Staged tables of a run killed before its swap, and of this one if it
	// fails: nothing reads them.
	dropStaged := func() error { return project.DropStaged(context.WithoutCancel(ctx), conn) }
	if err := dropStaged(); err != nil {
		return err
	}
	defer dropStaged()
	// The programme settings the models read are committed before they
	// are built; they mirror edwh.yaml, which the next run writes again.
	setup, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer setup.Rollback()
	if err := writeProgrammeSettings(ctx, setup, c); err != nil {
		return err
	}
	var prev *transforms.State
	if !r.Rebuild {
		if prev, err = incrementalState(ctx, setup, project, c, secret); err != nil {
			return err
		}
	}
	if err := setup.Commit(); err != nil {
		return err
	}
	conns := []transforms.Execer{conn}
	for range c.TransformWorkers - 1 {
		more, err := db.Conn(ctx)
		if err != nil {
			return err
		}
		defer more.Close()
		conns = append(conns, more)
	}
	tres, err := project.BuildStagedOn(ctx, conns, prev, func(i, n int, m string) {
		r.progress("transform %d/%d %s", i+1, n, m)
		failpoint("transform", i+1)
	})
	r.progress("")
	if err != nil {
		return err
	}
	sum.Models = len(tres.Models)
	for _, m := range tres.Models {
		switch {
		case m.Kept:
			sum.ModelsKept++
		case m.Unchanged:
			sum.ModelsUnchanged++
		case m.Partial:
			sum.ModelsPartial++
		}
	}
	sum.ChecksRun = len(tres.Checks)
	for _, cr := range tres.Checks {
		if cr.Carried {
			sum.ChecksCarried++
		}
	}
	for _, cr := range tres.Checks {
		switch {
		case cr.Blocking():
			sum.ChecksFailed = append(sum.ChecksFailed, checkLine(cr))
		case cr.Status != "pass":
			sum.ChecksWarned = append(sum.ChecksWarned, checkLine(cr))
		}
	}
	if len(sum.ChecksFailed) > 0 {
		if err := recordChecks(ctx, conn, sum.RunID, tres); err != nil {
			return err
		}
		return fmt.Errorf("%d %w, nothing published: %s", len(sum.ChecksFailed), ErrChecksFailed, strings.Join(sum.ChecksFailed, "; "))
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := project.Swap(ctx, tx, tres); err != nil {
		return err
	}
	if err := recordChecks(ctx, tx, sum.RunID, tres); err != nil {
		return err
	}
	if sum.RowsUnresolved, err = recordUnresolved(ctx, tx, sum.RunID); err != nil {
		return err
	}
	if len(tres.Models) > 0 {
		var q strings.Builder
		q.WriteString(`INSERT INTO ops.models (run_id, model, rows, seconds, built_at, kept, fingerprint, unchanged, output, content, partial) VALUES `)
		var args []any
		for i, m := range tres.Models {
			if i > 0 {
				q.WriteString(", ")
			}
			q.WriteString("(?, ?, ?, ?, now(), ?, nullif(?, ''), ?, nullif(?, ''), nullif(?, ''), ?)")
			args = append(args, sum.RunID, m.Model, m.Rows, m.Seconds, m.Kept, m.Fingerprint, m.Unchanged, m.Output, m.Content, m.Partial)
		}
		if _, err := tx.ExecContext(ctx, q.String(), args...); err != nil {
			return err
		}
	}
	if prev != nil {
		inputs, err := json.Marshal(prev.Inputs)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE ops.runs SET transform_global = ?, transform_inputs = ? WHERE run_id = ?`, prev.Global, string(inputs), sum.RunID); err != nil {
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	var built int64
	for _, m := range tres.Models {
		built += m.Rows
	}
	sum.phase("transform and check", built, transformStart)
	for _, cr := range tres.Checks {
		if cr.Status != "pass" {
			log.Warn().Str("check", cr.Check.Name).Int64("failing_rows", cr.FailingRows).Msg("warning check failed")
		}
	}
	failpoint("before-publish", 0)

	// 4. Publish. The ledger row gets this run's counts first, so that the
	// snapshot's copy of it is complete.
	if _, err := conn.ExecContext(ctx, `UPDATE ops.runs SET files_seen = ?, files_loaded = ?, files_refused = ?,
		rows_loaded = ?, rows_quarantined = ?, checks_failed = 0 WHERE run_id = ?`,
		sum.FilesSeen, sum.FilesLoaded, sum.FilesRefused, sum.RowsLoaded, sum.RowsQuarantined, sum.RunID); err != nil {
		return err
	}
	r.progress("publish")
	publishStart := time.Now()
	p := &publisher{cfg: c, conn: conn, db: db, project: project, runID: sum.RunID, log: log, now: r.now,
		outputs: map[string]string{}, rows: map[string]int64{}}
	for _, m := range tres.Models {
		p.outputs[m.Model], p.rows[m.Model] = m.Output, m.Rows
	}
	version, err := p.publish(ctx, sum)
	r.progress("")
	if err != nil {
		return fmt.Errorf("publishing: %w (the previous publish/ is untouched)", err)
	}
	sum.Published = version
	sum.phase("publish", 0, publishStart)
	return nil
}

// recordUnresolved lists in ops.quarantine, as action 'unresolved', the
// programme register rows whose school does not resolve to a URN, with the
// candidate schools named in the reason. They were loaded (a later
// establishments extract may resolve them, so they are not refused at load)
// but count in no mart, so the user finds them where quarantined rows are.
// The list is the state of this run: the rows of earlier runs are replaced,
// so a row leaves it once it resolves.
func recordUnresolved(ctx context.Context, tx *sql.Tx, runID int64) (int64, error) {
	if _, err := tx.ExecContext(ctx, `DELETE FROM ops.quarantine WHERE action = 'unresolved'`); err != nil {
		return 0, err
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO ops.quarantine (run_id, load_id, source, file, line, "column", value, reason, action)
		SELECT ?, i.load_id, 'interventions', l.path, i.line, 'school', i.school_given,
		       'school not resolved: ' || i.unresolved || CASE WHEN i.candidates IS NULL
		           THEN '; no similar school name: give the URN or LAESTAB'
		           ELSE '; candidates: ' || i.candidates END || ' (held back from the marts until it resolves)',
		       'unresolved'
		FROM stg.interventions i JOIN ops.loads l ON l.load_id = i.load_id
		WHERE i.urn IS NULL`, runID)
	if err != nil {
		return 0, fmt.Errorf("listing unresolved register schools: %w", err)
	}
	return res.RowsAffected()
}

func checkLine(cr transforms.CheckResult) string {
	if cr.Err != nil {
		return fmt.Sprintf("%s: error: %v", cr.Check.Name, cr.Err)
	}
	return fmt.Sprintf("%s: %d failing rows", cr.Check.Name, cr.FailingRows)
}

func recordChecks(ctx context.Context, db interface {
	ExecContext(context.Context, string, ...any) (sql.Result, error)
}, runID int64, res *transforms.Result) error {
	// One INSERT for all of them: a statement per check cost more than the
	// checks themselves on an LA's data.
	if len(res.Checks) == 0 {
		return nil
	}
	var q strings.Builder
	q.WriteString(`INSERT INTO ops.checks (run_id, "check", model, status, failing_rows, severity, description, checked_at, carried, fingerprint) VALUES `)
	args := make([]any, 0, 9*len(res.Checks))
	for i, cr := range res.Checks {
		if i > 0 {
			q.WriteString(", ")
		}
		q.WriteString("(?, ?, ?, ?, ?, ?, ?, now(), ?, ?)")
		args = append(args, runID, cr.Check.Name, cr.Check.Model, cr.Status, cr.FailingRows, cr.Check.Severity, cr.Check.Description, cr.Carried, cr.Check.Fingerprint())
	}
	_, err := db.ExecContext(ctx, q.String(), args...)
	return err
}

// stateHash fingerprints everything a publish depends on.
func stateHash(ctx context.Context, conn *sql.Conn, p *transforms.Project, c *Config, s Secret) (string, error) {
	h := sha256.New()
	rows, err := conn.QueryContext(ctx, `SELECT load_id FROM ops.loads WHERE status = 'loaded' ORDER BY load_id`)
	if err != nil {
		return "", err
	}
	for rows.Next() {
		var id int64
		rows.Scan(&id)
		fmt.Fprintf(h, "load %d\n", id)
	}
	rows.Close()
	for _, m := range p.Models {
		fmt.Fprintf(h, "model %s %x\n", m.Name, sha256.Sum256([]byte(m.SQL)))
	}
	for _, ch := range p.Checks {
		fmt.Fprintf(h, "check %s %x\n", ch.Name, sha256.Sum256([]byte(ch.SQL)))
	}
	fmt.Fprintf(h, "la %d key %s version %s\n", c.LACode, s.Fingerprint(), publishFormat)
	for _, k := range sortedKeys(c.Programmes) {
		fmt.Fprintf(h, "programme %s %+v\n", k, c.Programmes[k])
	}
	writeParams(h, c)
	return hex.EncodeToString(h.Sum(nil))[:32], nil
}

// writeParams writes every parameter's value, in name order, for the
// fingerprints of a publish (stateHash) and of the models (incrementalState).
func writeParams(w io.Writer, c *Config) {
	pv := paramValues(c)
	for _, k := range sortedKeys(pv) {
		fmt.Fprintf(w, "param %s=%v\n", k, pv[k])
	}
}

func (r *Runner) progress(format string, args ...any) {
	if r.Progress == nil {
		return
	}
	if format == "" {
		fmt.Fprint(r.Progress, "\r\033[K")
		return
	}
	line := fmt.Sprintf(format, args...)
	if len(line) > 100 {
		line = line[:100]
	}
	fmt.Fprintf(r.Progress, "\r\033[K%s", line)
}

// writeProgrammeSettings puts the programmes: section of the config where
// the models can read it.
func writeProgrammeSettings(ctx context.Context, tx *sql.Tx, c *Config) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM ops.programme_settings`); err != nil {
		return err
	}
	for _, name := range sortedKeys(c.Programmes) {
		pc := c.Programmes[name]
		pf, pt, _ := yearRange(pc.Pre)
		qf, qt, _ := yearRange(pc.Post)
		if _, err := tx.ExecContext(ctx, `INSERT INTO ops.programme_settings VALUES (?, nullif(?, 0), nullif(?, 0), nullif(?, 0), nullif(?, 0), nullif(?, ''), nullif(?, 0))`,
			name, pf, pt, qf, qt, pc.Unit, pc.Units); err != nil {
			return err
		}
	}
	return nil
}

// warnUnknownFolders names landing sub-folders that no source reads, so a
// file dropped into a misspelt folder is not silently ignored.
func (r *Runner) warnUnknownFolders(log zerolog.Logger, sources []*connectors.Source) {
	entries, err := os.ReadDir(r.Config.LandingDir())
	if err != nil {
		return
	}
	known := map[string]bool{}
	for _, s := range sources {
		known[s.Name] = true
	}
	for _, e := range entries {
		if e.IsDir() && !known[e.Name()] && !strings.HasPrefix(e.Name(), ".") {
			log.Warn().Str("folder", e.Name()).Msg("landing folder read by no source: its files are ignored (see `edwh sources`)")
		}
	}
}

// parseYear reads "2018/19", "2018-19" or "201819".
func parseYear(s string) int {
	s = strings.TrimSpace(s)
	return connectors.YearFromPath(strings.NewReplacer("/", "-").Replace(s) + "/x")
}

// sortedKeys is a helper for deterministic output.
func sortedKeys[M ~map[string]V, V any](m M) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
