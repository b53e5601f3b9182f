package schedules

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/edwh/edwh/connectors"
)

// TestSettleFollowsTheSchedulersClock drives settle through the fake clock,
// as `edwh schedule` does (the run's Now is the daemon's clock): a file
// modified 1 s before a tick waits; on the next tick, after the settle
// interval, it is read.
func TestSettleFollowsTheSchedulersClock(t *testing.T) {
	landing := t.TempDir()
	os.MkdirAll(filepath.Join(landing, "census"), 0o755)
	// An hour ahead of the wall clock, so that the file's change time (the
	// real now) is long settled and the modification time set below decides.
	start := time.Now().Add(time.Hour).Truncate(time.Minute)
	clock := newFakeClock(start)
	const settle = time.Minute
	var mu sync.Mutex
	var read, waiting [][]string
	run := func(ctx context.Context, trigger string, j *Job) error {
		d, err := connectors.Discover(landing, "census", settle, clock.Now())
		if err != nil {
			return err
		}
		var r, w []string
		for _, f := range d.Files {
			r = append(r, f.Rel)
		}
		for _, f := range d.Waiting {
			w = append(w, f.Rel)
		}
		mu.Lock()
		read, waiting = append(read, r), append(waiting, w)
		mu.Unlock()
		return nil
	}
	runs := func() int { mu.Lock(); defer mu.Unlock(); return len(read) }
	d := &Daemon{Jobs: jobs(t, "every-minute", "* * * * *"), Clock: clock, Run: run}
	cancel, done := serve(t, d)
	defer func() { cancel(); <-done }()

	tick1 := start.Add(time.Minute)
	p := filepath.Join(landing, "census", "c.csv")
	os.WriteFile(p, []byte("x"), 0o644)
	os.Chtimes(p, tick1.Add(-time.Second), tick1.Add(-time.Second))
	clock.waitForWaiters(t, 1)
	clock.advanceTo(tick1)
	eventually(t, func() bool { return runs() == 1 && !d.Running() })
	clock.waitForWaiters(t, 1)
	clock.advanceTo(tick1.Add(time.Minute))
	eventually(t, func() bool { return runs() == 2 && !d.Running() })

	mu.Lock()
	defer mu.Unlock()
	if len(read[0]) != 0 || len(waiting[0]) != 1 {
		t.Errorf("tick 1 (file 1 s old): read %v, waiting %v; want it to wait", read[0], waiting[0])
	}
	if len(read[1]) != 1 || read[1][0] != "census/c.csv" || len(waiting[1]) != 0 {
		t.Errorf("tick 2 (61 s old): read %v, waiting %v; want it read", read[1], waiting[1])
	}
}
