package main

import (
	"bytes"
	"context"
	"database/sql"
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
	var pending []pipeline.Skipped
	var last *pipeline.Summary // the latest attempt's summary, for the hook
	d := &schedules.Daemon{
		Jobs:    jobs,
		Clock:   schedules.RealClock{},
		CatchUp: *c.Schedule.CatchUp,
		LastRun: func() (time.Time, bool, error) { return lastRunStart(c) },
		Retries: *c.Schedule.Retries, Backoff: time.Duration(c.Schedule.RetryBackoff),
		Transient: pipeline.Transient,
		Grace:     time.Duration(c.Schedule.ShutdownGrace),
		Log:       log,
		Skipped: func(trigger string, j *schedules.Job, at time.Time) {
			mu.Lock()
			pending = append(pending, pipeline.Skipped{Trigger: trigger, At: at, Job: j.Name})
			mu.Unlock()
		},
		Failed: func(trigger string, j *schedules.Job, err error) {
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
			mu.Lock()
			sk := pending
			pending = nil
			mu.Unlock()
			r := &pipeline.Runner{Config: &runCfg, Log: log, Trigger: trigger, Only: j.Sources, Skipped: sk}
			sum, err := r.Run(ctx)
			mu.Lock()
			last = sum
			mu.Unlock()
			if err != nil && sum != nil && sum.RunID == 0 {
				// Nothing was recorded (e.g. the lock was held): keep the
				// skipped triggers for the next run.
				mu.Lock()
				pending = append(sk, pending...)
				mu.Unlock()
			}
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
	mu.Lock()
	for _, s := range pending {
		log.Warn().Str("job", s.Job).Time("at", s.At).Msg("skipped trigger not recorded: the scheduler stopped first")
	}
	mu.Unlock()
	log.Info().Msg("scheduler stopped")
	return exitOK
}
