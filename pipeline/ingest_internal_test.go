package pipeline

import (
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/edwh/edwh/connectors"
)

// A holder of every slot (a big file) runs alone: it waits for the small
// file under way, and the next small file waits for it.
func TestSlotsLetABigFileLoadAlone(t *testing.T) {
	s := newSlots(2)
	var running, most atomic.Int32
	enter := func() {
		n := running.Add(1)
		for {
			m := most.Load()
			if n <= m || most.CompareAndSwap(m, n) {
				break
			}
		}
	}
	s.acquire(1) // a small file under way
	enter()
	bigIn := make(chan time.Time, 1)
	go func() {
		s.acquire(2)
		bigIn <- time.Now()
		if running.Load() != 0 {
			t.Errorf("the big file started beside %d other loads", running.Load())
		}
		enter()
		time.Sleep(20 * time.Millisecond)
		running.Add(-1)
		s.release(2)
	}()
	time.Sleep(20 * time.Millisecond)
	select {
	case <-bigIn:
		t.Fatal("the big file started while a small one held a slot")
	default:
	}
	running.Add(-1)
	s.release(1)
	in := <-bigIn
	s.acquire(1) // the next small file
	if time.Since(in) < 15*time.Millisecond {
		t.Errorf("a small file started %v after the big one, before it finished", time.Since(in))
	}
	s.release(1)
	// Two small files do run side by side.
	s.acquire(1)
	done := make(chan bool)
	go func() { s.acquire(1); s.release(1); done <- true }()
	select {
	case <-done:
	case <-time.After(2 * time.Second):
		t.Fatal("a second small file waited for the first")
	}
	s.release(1)
}

// A big file waiting for every slot is served before small files that ask
// after it, however often a slot comes free.
func TestSlotsServeABigFileInTurn(t *testing.T) {
	s := newSlots(2)
	s.acquire(1) // a small file of source A under way
	got := make(chan string, 10)
	go func() { s.acquire(2); got <- "big"; s.release(2) }()
	time.Sleep(20 * time.Millisecond) // the big file is waiting now
	// Source A finishes its file and asks for the next, again and again.
	for i := 0; i < 3; i++ {
		s.release(1)
		done := make(chan bool)
		go func() { s.acquire(1); got <- "small"; done <- true }()
		<-done
	}
	s.release(1)
	if first := <-got; first != "big" {
		t.Errorf("a small file asked after the big one was served first")
	}
}

// Sources start largest first when there are workers to balance, so that
// the last source to finish is a small one; ties and a single worker keep
// the sources' own order.
func TestStartOrderPutsTheLargestSourcesFirst(t *testing.T) {
	for _, tc := range []struct {
		name    string
		sizes   []int64
		workers int
		want    []int
	}{
		{"demo LA shape", []int64{5_000, 1_200_000, 8_000_000, 600_000, 20_000_000, 90_000}, 2, []int{4, 2, 1, 3, 5, 0}},
		{"ties keep source order", []int64{10, 30, 30, 10}, 2, []int{1, 2, 0, 3}},
		{"one worker keeps source order", []int64{5_000, 20_000_000, 8_000_000}, 1, []int{0, 1, 2}},
		{"nothing new", []int64{0, 0, 0}, 2, []int{0, 1, 2}},
		{"no sources", nil, 2, []int{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := startOrder(tc.sizes, tc.workers)
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("startOrder(%v, %d) = %v, want %v", tc.sizes, tc.workers, got, tc.want)
			}
		})
	}
}

// A source of many small files costs more than its bytes: each file pays
// for its statements and commit. The demo LA's five Progress 8 estimates
// files (1.3 KB each) must start before a source of one 26 KB workbook,
// and the demo's largest sources still come first.
func TestLoadCostCountsEachFile(t *testing.T) {
	files := func(sizes ...int64) []connectors.File {
		var fs []connectors.File
		for _, s := range sizes {
			fs = append(fs, connectors.File{Size: s})
		}
		return fs
	}
	sources := [][]connectors.File{
		files(26_245),                                     // audit: one workbook
		files(1_341, 1_341, 1_341, 1_342, 1_341),          // p8_estimates
		files(4_163_449, 4_160_836, 4_170_151, 4_171_409), // attendance
		files(7_174),                                      // establishments
		files(77_011, 82_638, 72_231, 75_351, 79_923),     // exclusions
		nil, // a source with nothing new
	}
	costs := make([]int64, len(sources))
	for i, fs := range sources {
		costs[i] = loadCost(fs)
	}
	if got, want := fmt.Sprint(startOrder(costs, 2)), "[2 4 1 0 3 5]"; got != want {
		t.Errorf("start order %s, want %s (costs %v)", got, want, costs)
	}
}
