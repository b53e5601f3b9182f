package main

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/edwh/edwh/pipeline"
	"github.com/edwh/edwh/pipeline/warehouse"
	"github.com/edwh/edwh/schedules"
)

// scheduleJobs compiles the config's jobs.
func scheduleJobs(c *pipeline.Config) ([]*schedules.Job, *time.Location, error) {
	loc, err := time.LoadLocation(c.Schedule.Timezone)
	if err != nil {
		return nil, nil, err
	}
	var jobs []*schedules.Job
	for _, jc := range c.Schedule.Jobs {
		j := &schedules.Job{Name: jc.Name, Spec: jc.Cron, Sources: jc.Sources}
		if err := j.Parse(loc, c.Schedule.Seconds); err != nil {
			return nil, nil, fmt.Errorf("%w: %v", pipeline.ErrConfig, err)
		}
		jobs = append(jobs, j)
	}
	return jobs, loc, nil
}

// lastRunStart reads when the last run (not a skipped trigger) started.
func lastRunStart(c *pipeline.Config) (time.Time, bool, error) {
	if _, err := os.Stat(c.DatabasePath()); err != nil {
		return time.Time{}, false, nil
	}
	db, err := warehouse.Open(c.DatabasePath(), warehouse.Options{ReadOnly: true})
	if err != nil {
		return time.Time{}, false, err
	}
	defer db.Close()
	var t sql.NullTime
	if err := db.QueryRow(`SELECT max(started_at) FROM ops.runs WHERE status <> 'skipped'`).Scan(&t); err != nil {
		return time.Time{}, false, err
	}
	return t.Time, t.Valid, nil
}

func cmdSchedule(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("schedule", stderr)
	cfgPath := configFlag(fs)
	logFormat := fs.String("log-format", "text", "log format: text (human-readable) or json")
	if code, ok := parse(fs, args); !ok {
		return code
	}
	c, code := loadConfig(*cfgPath, stderr)
	if c == nil {
		return code
	}
	log, err := newLogger(*logFormat, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "edwh:", err)
		return exitUsage
	}
	jobs, loc, err := scheduleJobs(c)
	if err != nil {
		fmt.Fprintln(stderr, "edwh:", err)
		return exitUsage
	}
	runCfg := *c
	runCfg.Settle = *c.Schedule.Settle

	var mu sync.Mutex
	var last *pipeline.Summary // the latest attempt's summary, for the hook
	clock := schedules.RealClock{}
	d := &schedules.Daemon{
		Jobs:    jobs,
		Clock:   clock,
		CatchUp: *c.Schedule.CatchUp,
		LastRun: func() (time.Time, bool, error) { return lastRunStart(c) },
		Retries: *c.Schedule.Retries, Backoff: time.Duration(c.Schedule.RetryBackoff),
		Transient: pipeline.Transient,
		Grace:     time.Duration(c.Schedule.ShutdownGrace),
		Log:       log,
		// A skipped trigger goes to the journal at once; the next run (or
		// this daemon as it stops) records it in ops.runs.
		Skipped: func(trigger string, j *schedules.Job, at time.Time) {
			if err := pipeline.NoteSkipped(&runCfg, pipeline.Skipped{Trigger: trigger, At: at, Job: j.Name}); err != nil {
				log.Error().Err(err).Str("job", j.Name).Msg("cannot note the skipped trigger")
			}
		},
		Failed: func(trigger string, j *schedules.Job, at time.Time, err error) {
			if errors.Is(err, pipeline.ErrLocked) {
				// Another process (a manual `edwh run`) held the warehouse
				// through every retry: this trigger did not run. That is a
				// skip, not a failure: it is recorded as such and the
				// failure hook is not called.
				reason := fmt.Sprintf("job %s did not run: %v", j.Name, err)
				if n := *c.Schedule.Retries; n > 0 {
					reason = fmt.Sprintf("job %s did not run: still locked after %d retries: %v", j.Name, n, err)
				}
				log.Warn().Str("job", j.Name).Msg(reason)
				if nerr := pipeline.NoteSkipped(&runCfg, pipeline.Skipped{Trigger: trigger, At: at, Job: j.Name, Reason: reason}); nerr != nil {
					log.Error().Err(nerr).Str("job", j.Name).Msg("cannot note the skipped trigger")
				}
				return
			}
			mu.Lock()
			sum := last
			mu.Unlock()
			if sum == nil {
				sum = &pipeline.Summary{Status: pipeline.StatusFailed, Err: err}
			}
			var buf bytes.Buffer
			fmt.Fprintf(&buf, "edwh %s run of job %s failed: %v\n", trigger, j.Name, err)
			printSummary(&buf, c, sum)
			if herr := pipeline.RunHook(context.Background(), c.Schedule.OnFailure, sum, buf.String()); herr != nil {
				log.Error().Err(herr).Msg("the failure hook failed")
			}
		},
		Run: func(ctx context.Context, trigger string, j *schedules.Job) error {
			// The run judges settle against the scheduler's clock.
			r := &pipeline.Runner{Config: &runCfg, Log: log, Trigger: trigger, Only: j.Sources, Now: clock.Now}
			sum, err := r.Run(ctx)
			mu.Lock()
			last = sum
			mu.Unlock()
			return err
		},
	}
	log.Info().Str("timezone", loc.String()).Int("jobs", len(jobs)).Msg("scheduler started")
	for _, j := range jobs {
		log.Info().Str("job", j.Name).Str("cron", j.Spec).Time("next", j.Next(time.Now())).Msg("schedule")
	}
	if err := d.Serve(ctx); err != nil {
		fmt.Fprintln(stderr, "edwh:", err)
		return exitFailed
	}
	// Record skipped triggers now rather than at the next run, so that
	// `edwh runs` shows them even if the scheduler is not started again.
	if err := pipeline.RecordSkipped(context.Background(), &runCfg); err != nil {
		log.Warn().Err(err).Msg("skipped triggers not recorded yet: the next run records them")
	}
	log.Info().Msg("scheduler stopped")
	return exitOK
}
