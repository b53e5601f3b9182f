package pipeline

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"

	"github.com/edwh/edwh/connectors"
)

// bigFile is the size from which a file loads alone: DuckDB reads a file
// of a few buffers or more on every thread, so a second load beside it
// would only slow it down (and the census of a national year, 583 MB,
// would no longer be timed against DuckDB's own read_csv alone). A var, so
// that a test can make an LA's files big.
var bigFile int64 = 64 << 20

// sourceIngest is what loading one source's files did; the runs of all
// sources are added to the summary in the sources' order, whatever order
// they finished in, so that the summary reads the same on every run.
type sourceIngest struct {
	seen, fresh, loaded, refused, waiting int
	rows, quarantined, nulled             int64
	refusals                              []string
	took                                  time.Duration // loading its files, not waiting for a slot
	flagged                               bool          // a load left quarantined rows in the store table (Result.Flagged)
}

// ingest loads the new files of every source. Each file loads in its own
// transaction and a source's files load in order (a re-issue after the
// extract it corrects), but up to IngestWorkers sources load side by side,
// each on its own connection: an LA's files are small, and DuckDB reads a
// small file on one thread, and each commit waits for the disk.
func (r *Runner) ingest(ctx context.Context, db *sql.DB, sum *Summary, log zerolog.Logger, sources []*connectors.Source) error {
	c := r.Config
	workers := c.IngestWorkers
	if workers < 1 { // a Config built in code, not by LoadConfig
		workers = defaultIngestWorkers
	}
	only := map[string]bool{}
	for _, s := range r.Only {
		only[s] = true
	}

	// Discover every source first, in order, so that the log says what
	// waits and what is refused the same way on every run.
	type job struct {
		l     *connectors.Loader
		files []connectors.File
		out   *sourceIngest
	}
	var jobs []*job
	for _, src := range sources {
		if len(only) > 0 && !only[src.Name] {
			continue
		}
		sc := c.Sources[src.Name]
		l := &connectors.Loader{Source: src, Aliases: sc.Aliases, Sheet: sc.Sheet, Others: sources,
			TempDir: filepath.Join(c.WarehouseDir(), "tmp"), MaxLineSize: c.MaxLineSize}
		if sc.Year != "" {
			if l.Year = parseYear(sc.Year); l.Year == 0 {
				return fmt.Errorf("%w: sources.%s.year %q is not an academic year like 2018/19", ErrConfig, src.Name, sc.Year)
			}
		}
		d, err := connectors.Discover(c.LandingDir(), src.Name, time.Duration(c.Settle), r.now())
		if err != nil {
			return err
		}
		out := &sourceIngest{}
		for _, u := range d.Unsafe {
			out.refused++
			out.refusals = append(out.refusals, u.Error())
			log.Warn().Str("file", u.Path).Msg(u.Error())
		}
		for _, w := range d.Waiting {
			out.waiting++
			log.Info().Str("file", w.Rel).Msg("still being written: waits for the next run")
		}
		jobs = append(jobs, &job{l: l, files: d.Files, out: out})
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		mu       sync.Mutex // the first error, and the progress line
		firstErr error
		rows     atomic.Int64 // loaded so far, all sources, for the progress line
		quar     atomic.Int64
		loads    atomic.Int64 // files loaded so far, for the after-load failpoint
	)
	fail := func(err error) {
		mu.Lock()
		// A real error wins over the cancellations it causes in the others.
		if firstErr == nil || (errors.Is(firstErr, context.Canceled) && !errors.Is(err, context.Canceled)) {
			firstErr = err
		}
		mu.Unlock()
		cancel()
	}
	sem := newSlots(workers)

	// Small files load on one DuckDB thread each, side by side; a big file,
	// loading alone, gets every thread. DuckDB reads a small file on one
	// thread anyway, and a second thread for each of two loads at once only
	// added scheduling and contention on two cores: the demo LA's ingest
	// took 4.2 s instead of 4.9 s with one thread per load. The setting is
	// the database's, and each new connection sets the configured threads,
	// so each load sets it while holding its slots, and it is put back when
	// ingest ends, for the transforms.
	threads, err := duckdbThreads(ctx, db)
	if err != nil {
		return err
	}
	perLoad := threads
	if workers > 1 {
		perLoad = 1
	}
	defer setThreads(context.WithoutCancel(ctx), db, threads)

	load := func(conn *sql.Conn, j *job) error {
		out := j.out
		for i, f := range j.files {
			if err := ctx.Err(); err != nil {
				return err
			}
			out.seen++
			progress := func() {
				mu.Lock()
				r.progress("ingest %s %d/%d, %d rows loaded, %d quarantined: %s", j.l.Source.Name, i+1, len(j.files),
					rows.Load(), quar.Load(), f.Rel)
				mu.Unlock()
			}
			progress()
			weight := 1
			if f.Size >= bigFile {
				weight = workers
			}
			sem.acquire(weight)
			// Set under the slots: a big file holds them all, so no other
			// load runs while it has every thread, and the next load sets
			// its own.
			n := perLoad
			if weight == workers {
				n = threads
			}
			start := time.Now()
			var res *connectors.Result
			err := setThreads(ctx, conn, n)
			if err == nil {
				res, err = j.l.Load(ctx, conn, sum.RunID, f)
			}
			sem.release(weight)
			// The source's time is the time its files took to load, not the
			// time they waited for a slot.
			out.took += time.Since(start)
			if err != nil {
				return err
			}
			if res.Status != connectors.StatusSeen {
				out.fresh++
			}
			switch res.Status {
			case connectors.StatusLoaded:
				out.loaded++
				out.rows += res.RowsLoaded
				out.quarantined += res.RowsQuarantined
				out.flagged = out.flagged || res.Flagged > 0
				out.nulled += res.ValuesNulled
				rows.Add(res.RowsLoaded)
				quar.Add(res.RowsQuarantined)
				progress()
				ev := log.Info()
				if res.RowsQuarantined > 0 {
					ev = log.Warn()
				}
				ev.Str("source", j.l.Source.Name).Str("file", f.Rel).Int64("rows_read", res.RowsRead).
					Int64("rows_loaded", res.RowsLoaded).Int64("rows_quarantined", res.RowsQuarantined).
					Int64("values_nulled", res.ValuesNulled).Str("took", time.Since(start).Round(time.Millisecond).String()).Msg("file loaded")
				for _, n := range res.Notes {
					log.Warn().Str("file", f.Rel).Msg(n)
				}
				failpoint("after-load", int(loads.Add(1)))
			case connectors.StatusRefused:
				out.refused++
				out.refusals = append(out.refusals, res.Refused.Error())
				log.Warn().Str("source", j.l.Source.Name).Str("file", f.Rel).Msg("file refused: " + res.Refused.Error())
			case connectors.StatusDuplicate:
				log.Info().Str("file", f.Rel).Msg("same content as a file already loaded: skipped")
			}
		}
		// The rows its large loads quarantined leave the source's store
		// table now, in one transaction (see connectors.DeleteQuarantined).
		// Until then the raw view hides them, and it still does if this
		// fails: the next run deletes them.
		if out.flagged {
			sem.acquire(1)
			start := time.Now()
			err := connectors.DeleteQuarantined(ctx, conn, j.l.Source)
			sem.release(1)
			out.took += time.Since(start)
			if err != nil {
				log.Warn().Str("source", j.l.Source.Name).Err(err).Msg("the quarantined rows stay hidden in " + j.l.Source.StoreTable() + " until the next run deletes them")
			}
		}
		return nil
	}

	queue := make(chan *job)
	var wg sync.WaitGroup
	for w := 0; w < workers && w < len(jobs); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			conn, err := db.Conn(ctx)
			if err != nil {
				fail(err)
				for range queue { // let the feeder finish
				}
				return
			}
			defer conn.Close()
			for j := range queue {
				if ctx.Err() != nil {
					continue
				}
				if err := load(conn, j); err != nil {
					fail(err)
				}
			}
		}()
	}
	// The sources with the most to read start first, so that the last to
	// finish is a small one: in source order the demo LA's attendance (its
	// largest source) started last and loaded alone for a second while the
	// other worker had nothing left to do. With one worker there is
	// nothing to balance, and the sources keep their order.
	sizes := make([]int64, len(jobs))
	for i, j := range jobs {
		sizes[i] = loadCost(j.files)
	}
	for _, i := range startOrder(sizes, workers) {
		queue <- jobs[i]
	}
	close(queue)
	wg.Wait()
	if firstErr != nil {
		return firstErr
	}

	for _, j := range jobs {
		o := j.out
		sum.FilesSeen += o.seen
		sum.FilesNew += o.fresh
		sum.FilesLoaded += o.loaded
		sum.FilesRefused += o.refused
		sum.FilesWaiting += o.waiting
		sum.RowsLoaded += o.rows
		sum.RowsQuarantined += o.quarantined
		sum.ValuesNulled += o.nulled
		sum.Refused = append(sum.Refused, o.refusals...)
		if o.rows > 0 {
			sum.Phases = append(sum.Phases, Phase{Name: "ingest " + j.l.Source.Name, Rows: o.rows, Duration: o.took})
		}
	}
	return nil
}

// duckdbThreads is the database's threads setting.
func duckdbThreads(ctx context.Context, db interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}) (int, error) {
	var n int
	err := db.QueryRowContext(ctx, "SELECT CAST(current_setting('threads') AS INTEGER)").Scan(&n)
	return n, err
}

// setThreads sets the database's threads setting, for every connection.
func setThreads(ctx context.Context, db interface {
	ExecContext(context.Context, string, ...any) (sql.Result, error)
}, n int) error {
	_, err := db.ExecContext(ctx, fmt.Sprintf("SET threads = %d", n))
	return err
}

// perFileCost is what a file costs to load before its size counts, in
// bytes of CSV: about 50 ms on the demo LA (planning the validation query,
// a dozen small statements, the commit), the time DuckDB takes to load
// about a megabyte of its attendance files. Counted in bytes alone, the
// demo's five Progress 8 estimates files (1.3 KB each) started last and
// loaded one after another, 0.2 s, while the other worker sat idle.
const perFileCost = 1 << 20

// loadCost estimates the time to load files, in bytes of CSV: their sizes
// and perFileCost for each.
func loadCost(files []connectors.File) int64 {
	var n int64
	for _, f := range files {
		n += f.Size + perFileCost
	}
	return n
}

// startOrder is the order in which sources of these sizes (bytes to read)
// start loading on workers: largest first, ties in source order; with one
// worker, source order.
func startOrder(sizes []int64, workers int) []int {
	order := make([]int, len(sizes))
	for i := range order {
		order[i] = i
	}
	if workers > 1 {
		sort.SliceStable(order, func(a, b int) bool { return sizes[order[a]] > sizes[order[b]] })
	}
	return order
}

// slots is a counting semaphore whose holders may take several slots at
// once (a big file takes them all), served first come, first served: a big
// file waiting for every slot is not overtaken by small files that keep
// taking the one freed (which left the national census waiting for every
// other source to finish).
type slots struct {
	mu    sync.Mutex
	free  int
	queue []slotWaiter
}

type slotWaiter struct {
	n     int
	ready chan struct{}
}

func newSlots(n int) *slots { return &slots{free: n} }

func (s *slots) acquire(n int) {
	s.mu.Lock()
	if len(s.queue) == 0 && s.free >= n {
		s.free -= n
		s.mu.Unlock()
		return
	}
	w := slotWaiter{n: n, ready: make(chan struct{})}
	s.queue = append(s.queue, w)
	s.mu.Unlock()
	<-w.ready
}

func (s *slots) release(n int) {
	s.mu.Lock()
	s.free += n
	for len(s.queue) > 0 && s.free >= s.queue[0].n {
		s.free -= s.queue[0].n
		close(s.queue[0].ready)
		s.queue = s.queue[1:]
	}
	s.mu.Unlock()
}
