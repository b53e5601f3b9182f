// Package schedules is edwh's scheduler: a long-lived daemon that fires
// pipeline runs on cron expressions, one at a time, with catch-up after
// downtime, retries for transient failures and a graceful shutdown.
//
// It uses robfig/cron only to parse expressions and compute fire times; the
// loop itself waits on a Clock, so tests drive it with a fake clock through
// overlap, catch-up, retry and shutdown without sleeping.
package schedules

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/robfig/cron/v3"
	"github.com/rs/zerolog"
)

// Clock is the daemon's time source.
type Clock interface {
	Now() time.Time
	// After delivers the time once d has passed.
	After(d time.Duration) <-chan time.Time
}

// RealClock is the wall clock.
type RealClock struct{}

func (RealClock) Now() time.Time                         { return time.Now() }
func (RealClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// Job is one schedule: when it fires and which sources it loads (none
// means all). Transforms run after any load.
type Job struct {
	Name     string
	Spec     string
	Sources  []string
	schedule cron.Schedule
}

// Triggers recorded in ops.runs.
const (
	TriggerSchedule = "schedule"
	TriggerCatchUp  = "catch-up"
)

// Parse compiles a job's cron expression in loc. Expressions have five
// fields (minute hour day month weekday) and descriptors such as @daily; a
// sixth, leading seconds field is accepted only when seconds is true.
func (j *Job) Parse(loc *time.Location, seconds bool) error {
	opts := cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor
	if seconds {
		opts |= cron.SecondOptional
	}
	s, err := cron.NewParser(opts).Parse("CRON_TZ=" + loc.String() + " " + j.Spec)
	if err != nil {
		return fmt.Errorf("schedule %q: %q is not a cron expression: %v", j.Name, j.Spec, err)
	}
	j.schedule = s
	return nil
}

// Next is the job's first fire time after t.
func (j *Job) Next(t time.Time) time.Time { return j.schedule.Next(t) }

// Run is one pipeline run. It returns whether the failure (if any) is worth
// retrying, as Transient decides.
type RunFunc func(ctx context.Context, trigger string, job *Job) error

// Daemon fires runs. Set Jobs (parsed), Clock and Run; the rest have
// defaults.
type Daemon struct {
	Jobs  []*Job
	Clock Clock
	Run   RunFunc
	// CatchUp runs once on start when a fire time passed while the daemon
	// was down, however many were missed.
	CatchUp bool
	// LastRun says when the last run of any kind started (ok false: never).
	LastRun func() (t time.Time, ok bool, err error)
	// Retries is how many times a transient failure is retried, waiting
	// Backoff, then twice that, and so on.
	Retries int
	Backoff time.Duration
	// Transient tells failures worth retrying (a locked file, a share that
	// is briefly away) from those that are not (bad data, failed checks).
	Transient func(error) bool
	// Failed is told of a run that failed for good: not transient, or
	// still failing after the retries. at is when the trigger fired.
	Failed func(trigger string, job *Job, at time.Time, err error)
	// Skipped is told of a trigger that arrived while a run was under way.
	Skipped func(trigger string, job *Job, at time.Time)
	// Grace is how long shutdown waits for a run to finish before
	// cancelling it (it then rolls back). Default 10 minutes.
	Grace time.Duration
	Log   zerolog.Logger

	mu      sync.Mutex
	running bool
	done    chan struct{} // closed when the current run ends
}

// ErrNoJobs: a daemon with nothing to do.
var ErrNoJobs = errors.New("no schedules configured")

// Serve fires jobs until ctx is cancelled, then waits for the run under way
// (up to Grace) and returns.
func (d *Daemon) Serve(ctx context.Context) error {
	if len(d.Jobs) == 0 {
		return ErrNoJobs
	}
	if d.Grace == 0 {
		d.Grace = 10 * time.Minute
	}
	runCtx, cancelRuns := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelRuns()

	now := d.Clock.Now()
	if d.CatchUp && d.LastRun != nil {
		if job := d.missed(now); job != nil {
			d.Log.Info().Str("job", job.Name).Msg("a scheduled run was missed while the scheduler was down: running it now")
			d.start(runCtx, TriggerCatchUp, job, now)
		}
	}
	last := now
	for {
		next, jobs := d.nextFire(last)
		d.Log.Info().Time("next", next).Msg("waiting for the next scheduled run")
		select {
		case <-ctx.Done():
			return d.shutdown(cancelRuns)
		case <-d.Clock.After(next.Sub(d.Clock.Now())):
		}
		last = next
		// Jobs due at the same moment make one run: it loads every source
		// any of them names (a job with no sources means all).
		job := merge(jobs)
		if !d.start(runCtx, TriggerSchedule, job, next) {
			d.Log.Warn().Str("job", job.Name).Msg("a run is still under way: this trigger is skipped")
			if d.Skipped != nil {
				d.Skipped(TriggerSchedule, job, next)
			}
		}
	}
}

// missed returns a job that should have fired between the last run and
// now, or nil.
func (d *Daemon) missed(now time.Time) *Job {
	last, ok, err := d.LastRun()
	if err != nil {
		d.Log.Warn().Err(err).Msg("cannot tell when the last run was; no catch-up")
		return nil
	}
	var due []*Job
	for _, j := range d.Jobs {
		if !ok || !j.Next(last).After(now) {
			due = append(due, j)
		}
	}
	if len(due) == 0 {
		return nil
	}
	return merge(due)
}

func (d *Daemon) nextFire(after time.Time) (time.Time, []*Job) {
	var next time.Time
	var jobs []*Job
	for _, j := range d.Jobs {
		t := j.Next(after)
		switch {
		case next.IsZero() || t.Before(next):
			next, jobs = t, []*Job{j}
		case t.Equal(next):
			jobs = append(jobs, j)
		}
	}
	return next, jobs
}

func merge(jobs []*Job) *Job {
	if len(jobs) == 1 {
		return jobs[0]
	}
	m := &Job{Name: jobs[0].Name}
	seen := map[string]bool{}
	for i, j := range jobs {
		if i > 0 {
			m.Name += "+" + j.Name
		}
		if len(j.Sources) == 0 {
			m.Sources = nil
			seen = nil
		}
		if seen == nil {
			continue
		}
		for _, s := range j.Sources {
			if !seen[s] {
				seen[s] = true
				m.Sources = append(m.Sources, s)
			}
		}
	}
	return m
}

// start begins a run unless one is under way.
func (d *Daemon) start(ctx context.Context, trigger string, job *Job, at time.Time) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.running {
		return false
	}
	d.running = true
	d.done = make(chan struct{})
	go func() {
		defer func() {
			d.mu.Lock()
			d.running = false
			close(d.done)
			d.mu.Unlock()
		}()
		d.runWithRetries(ctx, trigger, job, at)
	}()
	return true
}

func (d *Daemon) runWithRetries(ctx context.Context, trigger string, job *Job, at time.Time) {
	wait := d.Backoff
	for attempt := 0; ; attempt++ {
		err := d.Run(ctx, trigger, job)
		if err == nil {
			return
		}
		if ctx.Err() != nil || attempt >= d.Retries || d.Transient == nil || !d.Transient(err) {
			d.Log.Error().Err(err).Str("job", job.Name).Int("attempt", attempt+1).Msg("run failed")
			if d.Failed != nil && ctx.Err() == nil {
				d.Failed(trigger, job, at, err)
			}
			return
		}
		d.Log.Warn().Err(err).Str("job", job.Name).Dur("retry_in", wait).Msg("transient failure: retrying")
		select {
		case <-ctx.Done():
			return
		case <-d.Clock.After(wait):
		}
		wait *= 2
	}
}

// Running reports whether a run is under way.
func (d *Daemon) Running() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.running
}

// shutdown waits for the current run, cancelling it after Grace.
func (d *Daemon) shutdown(cancel context.CancelFunc) error {
	d.mu.Lock()
	running, done := d.running, d.done
	d.mu.Unlock()
	if !running {
		return nil
	}
	d.Log.Info().Dur("grace", d.Grace).Msg("shutting down: waiting for the run under way")
	select {
	case <-done:
	case <-d.Clock.After(d.Grace):
		d.Log.Warn().Msg("the run did not finish in time: cancelling it (it rolls back; publish/ is untouched)")
		cancel()
		<-done
	}
	return nil
}
