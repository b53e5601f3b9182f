// Package failpoint lets crash tests kill the process at a named point of a
// run: EDWH_FAILPOINT=after-load:2 dies the second time the pipeline passes
// the point named after-load (EDWH_FAILPOINT=before-publish, with no count,
// the first time). The process sends itself SIGKILL, so no deferred function
// or handler runs, exactly like a power cut or the OOM killer.
//
// Points: load-committed (connectors: a file's load transaction has just
// committed, before Load returns), after-load (pipeline: a loaded file has
// been counted in the run), transform (a model is about to be built),
// before-publish, publish (inside the publish step), ingest (the ingest
// phase begins).
//
// EDWH_FAILPOINT_TRACE, when it names a file, has every point passed
// appended to it as "name n unix-nanoseconds", so that a test which kills
// the process at a random moment can tell which phase it died in.
package failpoint

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

var hook atomic.Pointer[func(name string, n int)]

// SetHook has every point call f in this process (before any kill), so an
// in-process test can see a phase begin or act there, for example cancel
// the run's context mid-transform. It returns a function that removes f.
func SetHook(f func(name string, n int)) (remove func()) {
	hook.Store(&f)
	return func() { hook.Store(nil) }
}

// Hit kills the process if EDWH_FAILPOINT names this point, and either
// gives no count or the count n.
func Hit(name string, n int) {
	if f := hook.Load(); f != nil {
		(*f)(name, n)
	}
	if path := os.Getenv("EDWH_FAILPOINT_TRACE"); path != "" {
		trace(path, name, n)
	}
	fp := os.Getenv("EDWH_FAILPOINT")
	if fp == "" {
		return
	}
	want, count, _ := strings.Cut(fp, ":")
	if want != name {
		return
	}
	if c, _ := strconv.Atoi(count); count == "" || c == n {
		syscall.Kill(os.Getpid(), syscall.SIGKILL)
		select {}
	}
}

// trace appends one line to the trace file. One write of a short line with
// O_APPEND lands whole, so a kill never leaves half a line.
func trace(path, name string, n int) {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return
	}
	fmt.Fprintf(f, "%s %d %d\n", name, n, time.Now().UnixNano())
	f.Close()
}
