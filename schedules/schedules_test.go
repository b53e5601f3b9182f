package schedules

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

var london, _ = time.LoadLocation("Europe/London")

type call struct {
	trigger string
	job     string
	sources []string
	at      time.Time
}

// recorder is a RunFunc that records calls and can hold a run open.
type recorder struct {
	mu      sync.Mutex
	calls   []call
	clock   *fakeClock
	hold    chan struct{} // when set, each run waits for it
	started chan struct{}
	errs    []error // returned in turn
}

func (r *recorder) run(ctx context.Context, trigger string, job *Job) error {
	r.mu.Lock()
	r.calls = append(r.calls, call{trigger, job.Name, job.Sources, r.clock.Now()})
	var err error
	if len(r.errs) > 0 {
		err, r.errs = r.errs[0], r.errs[1:]
	}
	hold := r.hold
	r.mu.Unlock()
	if r.started != nil {
		r.started <- struct{}{}
	}
	if hold != nil {
		select {
		case <-hold:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return err
}

func (r *recorder) get() []call {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]call(nil), r.calls...)
}

func jobs(t *testing.T, specs ...string) []*Job {
	var out []*Job
	for i := 0; i+1 < len(specs); i += 2 {
		j := &Job{Name: specs[i], Spec: specs[i+1]}
		if err := j.Parse(london, false); err != nil {
			t.Fatal(err)
		}
		out = append(out, j)
	}
	return out
}

func eventually(t *testing.T, cond func() bool) {
	t.Helper()
	for i := 0; i < 5000; i++ {
		if cond() {
			return
		}
		time.Sleep(time.Millisecond)
	}
	t.Fatal("condition not met")
}

func serve(t *testing.T, d *Daemon) (cancel func(), done <-chan error) {
	ctx, c := context.WithCancel(context.Background())
	ch := make(chan error, 1)
	go func() { ch <- d.Serve(ctx) }()
	return c, ch
}

func TestFiresOnScheduleInLondonTime(t *testing.T) {
	start := time.Date(2026, 6, 1, 0, 30, 0, 0, london) // BST
	clock := newFakeClock(start)
	rec := &recorder{clock: clock}
	d := &Daemon{Jobs: jobs(t, "nightly", "0 2 * * *"), Clock: clock, Run: rec.run}
	cancel, done := serve(t, d)
	clock.waitForWaiters(t, 1)
	clock.advanceTo(time.Date(2026, 6, 1, 2, 0, 0, 0, london))
	eventually(t, func() bool { return len(rec.get()) == 1 })
	c := rec.get()[0]
	if c.trigger != TriggerSchedule || !c.at.Equal(time.Date(2026, 6, 1, 1, 0, 0, 0, time.UTC)) {
		t.Errorf("call %+v: 02:00 London in summer is 01:00 UTC", c)
	}
	clock.waitForWaiters(t, 1)
	clock.advanceTo(time.Date(2026, 6, 2, 2, 0, 0, 0, london))
	eventually(t, func() bool { return len(rec.get()) == 2 })
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestTriggerDuringARunIsSkipped(t *testing.T) {
	start := time.Date(2026, 1, 5, 0, 0, 0, 0, london)
	clock := newFakeClock(start)
	rec := &recorder{clock: clock, hold: make(chan struct{}), started: make(chan struct{}, 10)}
	var skipped []time.Time
	var mu sync.Mutex
	d := &Daemon{Jobs: jobs(t, "hourly", "0 * * * *"), Clock: clock, Run: rec.run,
		Skipped: func(trigger string, j *Job, at time.Time) { mu.Lock(); skipped = append(skipped, at); mu.Unlock() }}
	cancel, done := serve(t, d)
	clock.waitForWaiters(t, 1)
	clock.advanceTo(start.Add(time.Hour))
	<-rec.started
	clock.waitForWaiters(t, 1)
	clock.advanceTo(start.Add(2 * time.Hour)) // the run from 01:00 is still going
	eventually(t, func() bool { mu.Lock(); defer mu.Unlock(); return len(skipped) == 1 })
	close(rec.hold)
	eventually(t, func() bool { return !d.Running() })
	clock.waitForWaiters(t, 1)
	clock.advanceTo(start.Add(3 * time.Hour))
	<-rec.started
	eventually(t, func() bool { return len(rec.get()) == 2 })
	if !skipped[0].Equal(start.Add(2 * time.Hour)) {
		t.Errorf("skipped %v", skipped)
	}
	cancel()
	<-done
}

func TestCatchUpRunsOnceAfterDowntime(t *testing.T) {
	now := time.Date(2026, 3, 10, 9, 0, 0, 0, london)
	tests := []struct {
		name    string
		lastRun time.Time
		never   bool
		catchUp bool
		want    int
	}{
		{"three nights missed: one catch-up run", now.Add(-72 * time.Hour), false, true, 1},
		{"last night's run happened: nothing", time.Date(2026, 3, 10, 2, 0, 5, 0, london), false, true, 0},
		{"never run: run now", time.Time{}, true, true, 1},
		{"catch-up off", now.Add(-72 * time.Hour), false, false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := newFakeClock(now)
			rec := &recorder{clock: clock}
			d := &Daemon{Jobs: jobs(t, "nightly", "0 2 * * *"), Clock: clock, Run: rec.run, CatchUp: tt.catchUp,
				LastRun: func() (time.Time, bool, error) { return tt.lastRun, !tt.never, nil }}
			cancel, done := serve(t, d)
			clock.waitForWaiters(t, 1)
			eventually(t, func() bool { return !d.Running() })
			calls := rec.get()
			if len(calls) != tt.want {
				t.Fatalf("%d runs, want %d", len(calls), tt.want)
			}
			if tt.want == 1 && calls[0].trigger != TriggerCatchUp {
				t.Errorf("trigger %q", calls[0].trigger)
			}
			cancel()
			<-done
		})
	}
}

var errBusy = errors.New("share briefly unavailable")

func TestRetriesTransientFailuresWithBackoff(t *testing.T) {
	tests := []struct {
		name  string
		errs  []error
		want  int
		waits []time.Duration
	}{
		{"transient twice, then success", []error{errBusy, errBusy, nil}, 3, []time.Duration{30 * time.Second, 60 * time.Second}},
		{"transient every time: gives up after the retries", []error{errBusy, errBusy, errBusy, errBusy, errBusy}, 4, nil},
		{"bad data is not retried", []error{errors.New("3 blocking data checks failed")}, 1, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Date(2026, 1, 5, 1, 59, 0, 0, london)
			clock := newFakeClock(start)
			rec := &recorder{clock: clock, errs: tt.errs}
			d := &Daemon{Jobs: jobs(t, "nightly", "0 2 * * *"), Clock: clock, Run: rec.run,
				Retries: 3, Backoff: 30 * time.Second, Transient: func(err error) bool { return errors.Is(err, errBusy) }}
			cancel, done := serve(t, d)
			clock.waitForWaiters(t, 1)
			fire := time.Date(2026, 1, 5, 2, 0, 0, 0, london)
			clock.advanceTo(fire)
			at := fire
			for i := 1; i < tt.want; i++ {
				eventually(t, func() bool { return len(rec.get()) == i })
				clock.waitForWaiters(t, 2) // the scheduler's next fire and the backoff
				if i <= len(tt.waits) {
					at = at.Add(tt.waits[i-1])
				} else {
					at = at.Add(time.Duration(1<<(i-1)) * 30 * time.Second)
				}
				clock.advanceTo(at)
			}
			eventually(t, func() bool { return len(rec.get()) == tt.want && !d.Running() })
			calls := rec.get()
			if len(calls) != tt.want {
				t.Fatalf("%d attempts, want %d", len(calls), tt.want)
			}
			for i, w := range tt.waits {
				if got := calls[i+1].at.Sub(calls[i].at); got != w {
					t.Errorf("wait before attempt %d: %v, want %v", i+2, got, w)
				}
			}
			cancel()
			<-done
		})
	}
}

func TestShutdownWaitsForTheRunOrCancelsItAfterGrace(t *testing.T) {
	for _, finishes := range []bool{true, false} {
		name := "run finishes within grace"
		if !finishes {
			name = "run cancelled after grace"
		}
		t.Run(name, func(t *testing.T) {
			start := time.Date(2026, 1, 5, 1, 59, 0, 0, london)
			clock := newFakeClock(start)
			rec := &recorder{clock: clock, hold: make(chan struct{}), started: make(chan struct{}, 1)}
			var runErr error
			run := func(ctx context.Context, trigger string, j *Job) error {
				runErr = rec.run(ctx, trigger, j)
				return runErr
			}
			d := &Daemon{Jobs: jobs(t, "nightly", "0 2 * * *"), Clock: clock, Run: run, Grace: time.Minute}
			cancel, done := serve(t, d)
			clock.waitForWaiters(t, 1)
			clock.advanceTo(time.Date(2026, 1, 5, 2, 0, 0, 0, london))
			<-rec.started
			cancel() // SIGTERM
			select {
			case <-done:
				t.Fatal("Serve returned while a run was under way")
			case <-time.After(20 * time.Millisecond):
			}
			if finishes {
				close(rec.hold)
			} else {
				clock.waitForWaiters(t, 2)
				clock.advanceTo(clock.Now().Add(time.Minute))
			}
			if err := <-done; err != nil {
				t.Fatal(err)
			}
			if finishes && runErr != nil || !finishes && !errors.Is(runErr, context.Canceled) {
				t.Errorf("run ended with %v", runErr)
			}
		})
	}
}

func TestJobsDueTogetherMakeOneRun(t *testing.T) {
	start := time.Date(2026, 1, 5, 5, 0, 0, 0, london)
	clock := newFakeClock(start)
	rec := &recorder{clock: clock}
	js := jobs(t, "attendance", "0 6 * * *", "census", "0 6 * * 1")
	js[0].Sources, js[1].Sources = []string{"attendance"}, []string{"census"}
	d := &Daemon{Jobs: js, Clock: clock, Run: rec.run}
	cancel, done := serve(t, d)
	clock.waitForWaiters(t, 1)
	clock.advanceTo(time.Date(2026, 1, 5, 6, 0, 0, 0, london)) // a Monday: both are due
	eventually(t, func() bool { return len(rec.get()) == 1 && !d.Running() })
	if c := rec.get()[0]; len(c.sources) != 2 || c.job != "attendance+census" {
		t.Errorf("merged run %+v", c)
	}
	cancel()
	<-done
}

func TestParseRejectsBadExpressions(t *testing.T) {
	for _, spec := range []string{"61 * * * *", "every night", "* * * * * *"} {
		j := &Job{Name: "x", Spec: spec}
		if err := j.Parse(london, false); err == nil {
			t.Errorf("%q parsed", spec)
		}
	}
	j := &Job{Name: "x", Spec: "*/1 * * * * *"}
	if err := j.Parse(london, true); err != nil {
		t.Errorf("seconds field with seconds on: %v", err)
	}
}
