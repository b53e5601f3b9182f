package pipeline

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/edwh/edwh/pipeline/warehouse"
)

// ScheduleConfig is the schedule: section of edwh.yaml, read by
// `edwh schedule`.
type ScheduleConfig struct {
	// Timezone of the cron expressions ("Europe/London").
	Timezone string `yaml:"timezone"`
	// Seconds allows a leading seconds field in expressions (off).
	Seconds bool `yaml:"seconds"`
	// Jobs are the schedules; default one nightly job at 02:00 loading
	// every source.
	Jobs []JobConfig `yaml:"jobs"`
	// CatchUp runs once on start when a run was missed while the
	// scheduler was down (true).
	CatchUp *bool `yaml:"catch_up"`
	// Settle: files modified more recently than this wait for the next
	// tick ("60s"; overrides the top-level settle for scheduled runs).
	Settle *Duration `yaml:"settle"`
	// Retries of a run that failed for a transient reason (3), waiting
	// RetryBackoff, then twice that, and so on ("30s").
	Retries      *int     `yaml:"retries"`
	RetryBackoff Duration `yaml:"retry_backoff"`
	// ShutdownGrace is how long SIGTERM waits for a run to finish before
	// cancelling it ("10m").
	ShutdownGrace Duration `yaml:"shutdown_grace"`
	// OnFailure is a shell command run when a scheduled run fails, with the
	// run summary on standard input and EDWH_RUN_ID, EDWH_STATUS set
	// (for example: mail -s "edwh failed" data@la.gov.uk).
	OnFailure string `yaml:"on_failure"`
	// StaleAfter: `edwh status` calls the published snapshot stale when no
	// run has succeeded (published, or found nothing new) for this long,
	// by the run ledger, not file times ("36h").
	StaleAfter Duration `yaml:"stale_after"`
}

// JobConfig is one schedule.
type JobConfig struct {
	Name string `yaml:"name"`
	// Cron is a five-field expression (minute hour day month weekday) or a
	// descriptor such as @daily.
	Cron string `yaml:"cron"`
	// Sources limits the job to these sources (default all). Transforms
	// run after any load.
	Sources []string `yaml:"sources"`
}

func (s *ScheduleConfig) setDefaults() {
	if s.Timezone == "" {
		s.Timezone = "Europe/London"
	}
	if len(s.Jobs) == 0 {
		s.Jobs = []JobConfig{{Name: "nightly", Cron: "0 2 * * *"}}
	}
	if s.CatchUp == nil {
		t := true
		s.CatchUp = &t
	}
	if s.Settle == nil {
		d := Duration(60 * time.Second)
		s.Settle = &d
	}
	if s.Retries == nil {
		n := 3
		s.Retries = &n
	}
	if s.RetryBackoff == 0 {
		s.RetryBackoff = Duration(30 * time.Second)
	}
	if s.ShutdownGrace == 0 {
		s.ShutdownGrace = Duration(10 * time.Minute)
	}
	if s.StaleAfter == 0 {
		s.StaleAfter = Duration(36 * time.Hour)
	}
	for i := range s.Jobs {
		if s.Jobs[i].Name == "" {
			s.Jobs[i].Name = fmt.Sprintf("job%d", i+1)
		}
	}
}

func (s *ScheduleConfig) validate() error {
	if _, err := time.LoadLocation(s.Timezone); err != nil {
		return fmt.Errorf("%w: schedule.timezone %q: %v", ErrConfig, s.Timezone, err)
	}
	for _, j := range s.Jobs {
		for _, src := range j.Sources {
			if SourceByName(src) == nil {
				return fmt.Errorf("%w: schedule job %s names source %q, which edwh does not read (see `edwh sources`)", ErrConfig, j.Name, src)
			}
		}
	}
	return nil
}

// ErrChecksFailed: blocking data checks failed, so nothing was published.
// Retrying would fail the same way until the data changes.
var ErrChecksFailed = errors.New("blocking data check(s) failed")

// ErrLandingUnavailable: the landing folder is not there. On a network
// share that is usually the share being briefly away, so a scheduled run
// retries it; if it stays away the run fails saying what to do.
var ErrLandingUnavailable = errors.New("landing folder unavailable")

// alsoIs is an error that also matches another sentinel, without saying so
// in its message.
type alsoIs struct {
	error
	also error
}

func (e alsoIs) Unwrap() []error { return []error{e.error, e.also} }

// Transient reports whether a run failed for a reason that may pass by
// itself: another process holding the warehouse, or a file system (often a
// network share) that was briefly busy or away, including the landing
// folder or a file in it vanishing for a moment. Bad data never fails a run
// (it is quarantined), and failed checks, config, key and privacy errors are
// not transient: retrying would fail the same way. A cancelled run (the
// scheduler is stopping) is never retried.
func Transient(err error) bool {
	switch {
	case err == nil:
		return false
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return false
	case errors.Is(err, ErrLocked), errors.Is(err, ErrLandingUnavailable):
		return true
	case errors.Is(err, ErrChecksFailed), errors.Is(err, ErrConfig), errors.Is(err, ErrSecret):
		return false
	}
	for _, e := range []error{syscall.EBUSY, syscall.EAGAIN, syscall.ETIMEDOUT, syscall.EIO, syscall.ESTALE,
		syscall.ENOTCONN, syscall.EHOSTDOWN, syscall.ENETUNREACH, syscall.ECONNRESET, syscall.ENOENT} {
		if errors.Is(err, e) {
			return true
		}
	}
	// DuckDB reports another process holding the database file this way.
	return strings.Contains(err.Error(), "Could not set lock on file")
}

// Skipped is a scheduled trigger that did not run: a run was under way
// (the scheduler's own, or a manual `edwh run` that still held the
// warehouse after the retries). It is noted at once in a journal next to
// the working database and recorded in ops.runs, with status "skipped",
// by the next process to take the warehouse lock: the next run of any
// kind, or the scheduler itself as it stops. So a skip is never lost,
// even if the scheduler stops before it runs again.
type Skipped struct {
	Trigger string    `json:"trigger"`
	At      time.Time `json:"at"`
	Job     string    `json:"job"`
	// Reason is recorded as the run's error (default: a run was under way
	// when the job fired).
	Reason string `json:"reason,omitempty"`
}

func (s Skipped) reason() string {
	if s.Reason != "" {
		return s.Reason
	}
	return "a run was under way when job " + s.Job + " fired"
}

// journalMu serialises the scheduler's notes with a run's draining of the
// journal in the same process.
var journalMu sync.Mutex

func skipJournal(c *Config) string { return filepath.Join(c.WarehouseDir(), "skipped.jsonl") }

// NoteSkipped appends a skipped trigger to the journal and syncs it.
func NoteSkipped(c *Config, s Skipped) error {
	journalMu.Lock()
	defer journalMu.Unlock()
	if err := os.MkdirAll(c.WarehouseDir(), 0o755); err != nil {
		return err
	}
	b, err := json.Marshal(s)
	if err != nil {
		return err
	}
	f, err := os.OpenFile(skipJournal(c), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(append(b, '\n')); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// recordSkipped writes the journal's skipped triggers and extra into
// ops.runs and empties the journal. The caller holds the warehouse lock.
// Recording is idempotent (a trigger already recorded is not recorded
// twice), so a crash between the insert and emptying the journal only
// means the next run finds them recorded already.
func recordSkipped(ctx context.Context, conn interface {
	ExecContext(context.Context, string, ...any) (sql.Result, error)
}, c *Config, extra []Skipped) error {
	journalMu.Lock()
	defer journalMu.Unlock()
	all := append([]Skipped(nil), extra...)
	b, err := os.ReadFile(skipJournal(c))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	for _, line := range bytes.Split(b, []byte("\n")) {
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		var s Skipped
		if err := json.Unmarshal(line, &s); err != nil {
			continue // a line torn by a crash mid-write
		}
		all = append(all, s)
	}
	for _, sk := range all {
		at := sk.At.UTC()
		if _, err := conn.ExecContext(ctx, `INSERT INTO ops.runs (run_id, started_at, finished_at, trigger, status, error)
			SELECT nextval('ops.run_seq'), ?, ?, ?, 'skipped', ?
			WHERE NOT EXISTS (SELECT 1 FROM ops.runs WHERE status = 'skipped' AND started_at = ? AND trigger = ?)`,
			at, at, sk.Trigger, sk.reason(), at, sk.Trigger); err != nil {
			return err
		}
	}
	if len(b) > 0 {
		return os.Remove(skipJournal(c))
	}
	return nil
}

// RecordSkipped records the journal's skipped triggers in ops.runs now,
// if the warehouse is free (ErrLocked if not: the next run records them).
// The scheduler calls it as it stops.
func RecordSkipped(ctx context.Context, c *Config) error {
	if st, err := os.Stat(skipJournal(c)); err != nil || st.Size() == 0 {
		return nil
	}
	lock, err := AcquireLock(filepath.Join(c.WarehouseDir(), "edwh.lock"))
	if err != nil {
		return err
	}
	defer lock.Release()
	db, err := warehouse.Open(c.DatabasePath(), warehouse.Options{})
	if err != nil {
		return err
	}
	defer db.Close()
	if err := warehouse.Migrate(ctx, db); err != nil {
		return err
	}
	return recordSkipped(ctx, db, c, nil)
}

// RunHook runs the on-failure command with the summary on its standard
// input. It never fails the caller: a broken hook is logged, not fatal.
func RunHook(ctx context.Context, command string, sum *Summary, text string) error {
	if command == "" {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "/bin/sh", "-c", command)
	cmd.Stdin = strings.NewReader(text)
	cmd.Env = append(os.Environ(), fmt.Sprintf("EDWH_RUN_ID=%d", sum.RunID), "EDWH_STATUS="+sum.Status)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("on_failure hook: %v: %s", err, strings.TrimSpace(out.String()))
	}
	return nil
}
