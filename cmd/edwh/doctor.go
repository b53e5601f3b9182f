package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/edwh/edwh/connectors"
	"github.com/edwh/edwh/pipeline"
	"github.com/edwh/edwh/pipeline/warehouse"
)

// A finding of edwh doctor.
type finding struct {
	ok   bool
	what string
	fix  string
}

// cmdDoctor checks a deployment and says what to fix.
func cmdDoctor(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("doctor", stderr)
	cfgPath := configFlag(fs)
	minFree := fs.Float64("min-free-gb", 5, "warn when a folder's file system has less free space than this (GB)")
	stuckAfter := fs.Duration("stuck-after", 12*time.Hour, "warn when the run lock has been held for longer than this")
	if code, ok := parse(fs, args); !ok {
		return code
	}
	var out []finding
	add := func(ok bool, what, fix string) { out = append(out, finding{ok, what, fix}) }

	c, err := pipeline.LoadConfig(*cfgPath)
	if err != nil {
		add(false, "config: "+err.Error(), "fix edwh.yaml, or create a deployment with `edwh init DIR`")
		return report(stdout, out)
	}
	add(true, "config "+*cfgPath+" reads", "")
	if c.LACode == 0 {
		add(false, "la_code is not set", "set la_code: in edwh.yaml (your LA's 3-digit code) so rankings and the report know which LA is yours")
	}

	for _, d := range []struct{ name, path string }{{"landing", c.LandingDir()}, {"warehouse", c.WarehouseDir()}, {"publish", c.PublishDir()}} {
		st, err := os.Stat(d.path)
		switch {
		case err != nil:
			add(false, fmt.Sprintf("%s folder %s: %v", d.name, d.path, err), "create it, or run `edwh init`")
			continue
		case !st.IsDir():
			add(false, fmt.Sprintf("%s %s is not a folder", d.name, d.path), "point "+d.name+": in edwh.yaml at a folder")
			continue
		}
		if err := syscall.Access(d.path, 2 /* W_OK */); err != nil && d.name != "landing" {
			add(false, fmt.Sprintf("%s folder %s is not writable by this user", d.name, d.path), "chown it to the user edwh runs as")
			continue
		}
		var fsst syscall.Statfs_t
		if err := syscall.Statfs(d.path, &fsst); err == nil {
			free := int64(fsst.Bavail) * int64(fsst.Bsize)
			if float64(free) < *minFree*(1<<30) {
				add(false, fmt.Sprintf("%s folder has %.1f GB free", d.name, float64(free)/1e9),
					"free some space: a run needs room for the working database and a second published version")
			} else {
				add(true, fmt.Sprintf("%s folder %s (%.0f GB free)", d.name, d.path, float64(free)/1e9), "")
			}
		}
	}
	if entries, err := os.ReadDir(c.LandingDir()); err == nil {
		for _, e := range entries {
			if e.IsDir() && pipeline.SourceByName(e.Name()) == nil {
				add(false, "landing/"+e.Name()+"/ is read by no source", "move its files to the right folder (`edwh sources` lists them)")
			}
		}
	}

	if _, err := pipeline.LoadSecret(c); err != nil {
		add(false, err.Error(), "keep the key file private (chmod 600); never replace it: every pupil_key would change")
	} else {
		add(true, "pseudonymisation key present and private", "")
	}

	lock := filepath.Join(c.WarehouseDir(), "edwh.lock")
	if h := pipeline.LockHolder(lock); h != "" {
		// The kernel drops the lock when its process ends, so a held lock
		// is a live process: a run, or one that hangs.
		if since, ok := lockSince(h); ok && time.Since(since) > *stuckAfter {
			add(false, fmt.Sprintf("a process has held the warehouse lock for %s (%s)", time.Since(since).Round(time.Minute), h),
				"a run should take minutes: if `edwh status` shows no progress, stop that process (kill PID), then run again")
		} else {
			add(true, "a run is under way now ("+h+"); the database checks wait until it finishes: run `edwh doctor` again then", "")
		}
		return report(stdout, out)
	}
	add(true, "no run holds the warehouse (a lock is released by the kernel when its process ends, so it is never stale)", "")

	if _, err := os.Stat(c.DatabasePath()); err != nil {
		add(false, "no working database yet", "run `edwh run --config "+*cfgPath+"`")
		return report(stdout, out)
	}
	db, err := warehouse.Open(c.DatabasePath(), warehouse.Options{ReadOnly: true})
	if err == nil {
		err = db.Ping()
	}
	if err != nil {
		add(false, "the working database does not open: "+err.Error(), "restore warehouse/ from backup, or move it away and reload: the landing files rebuild it")
		return report(stdout, out)
	}
	defer db.Close()
	var status string
	var runErr sql.NullString
	if err := db.QueryRowContext(ctx, `SELECT status, error FROM ops.runs WHERE status <> 'skipped' ORDER BY run_id DESC LIMIT 1`).Scan(&status, &runErr); err == nil {
		if status == pipeline.StatusFailed || status == pipeline.StatusInterrupted {
			add(false, "the last run "+status+": "+runErr.String, "read it with `edwh runs`, fix the cause, and run again")
		} else {
			add(true, "the last run "+status, "")
		}
	}
	rows, err := db.QueryContext(ctx, `SELECT path, message FROM ops.loads
		WHERE message ILIKE '%schema change%' AND run_id = (SELECT max(run_id) FROM ops.loads) ORDER BY load_id`)
	if err == nil {
		for rows.Next() {
			var p, m string
			rows.Scan(&p, &m)
			add(false, "schema change in "+p+": "+m, "check the new or missing columns are expected; add aliases in edwh.yaml if a column was renamed")
		}
		rows.Close()
	}
	pendingSchemaChanges(ctx, db, c, add)
	var refused int
	db.QueryRowContext(ctx, `SELECT count(*) FROM ops.loads WHERE status = 'refused'
		AND path NOT IN (SELECT path FROM ops.loads WHERE status = 'loaded')`).Scan(&refused)
	if refused > 0 {
		add(false, fmt.Sprintf("%d file(s) in landing were refused and never loaded", refused), "see the reasons with `edwh runs` and the report; fix or remove the files")
	}
	return report(stdout, out)
}

// lockSince reads when the holder of the lock took it, from the line
// AcquireLock writes ("pid N on HOST since RFC3339").
func lockSince(holder string) (time.Time, bool) {
	_, after, ok := strings.Cut(holder, " since ")
	if !ok {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339, strings.TrimSpace(after))
	return t, err == nil
}

// pendingSchemaChanges compares the header of each CSV file waiting in
// landing (not yet loaded under its path and size) with the columns of the
// last file of its kind loaded for the source (ops.load_columns), so that
// a renamed or dropped column is seen before the night's run, not after.
func pendingSchemaChanges(ctx context.Context, db *sql.DB, c *pipeline.Config, add func(bool, string, string)) {
	for _, src := range pipeline.Sources() {
		d, err := connectors.Discover(c.LandingDir(), src.Name, 0, time.Now())
		if err != nil || len(d.Files) == 0 {
			continue
		}
		type load struct {
			id   int64
			path string
		}
		var loads []load // latest first
		rows, err := db.QueryContext(ctx, `SELECT load_id, path FROM ops.loads WHERE source = ? AND status = 'loaded'
			AND load_id IN (SELECT load_id FROM ops.load_columns) ORDER BY load_id DESC`, src.Name)
		if err != nil {
			continue
		}
		for rows.Next() {
			var l load
			if rows.Scan(&l.id, &l.path) == nil {
				loads = append(loads, l)
			}
		}
		rows.Close()
		if len(loads) == 0 {
			continue // nothing loaded yet to compare with
		}
		for _, f := range d.Files {
			var seen int
			db.QueryRowContext(ctx, `SELECT count(*) FROM ops.loads WHERE source = ? AND path = ? AND size = ?`, src.Name, f.Rel, f.Size).Scan(&seen)
			if seen > 0 {
				continue
			}
			hdr, err := connectors.FileHeader(src, f.Path, c.Sources[src.Name].Aliases)
			if err != nil || hdr == nil {
				continue // a file without its header is refused by the run, which says why
			}
			prev := loads[0]
			for _, l := range loads {
				if connectors.FileFamily(l.path) == connectors.FileFamily(f.Rel) {
					prev = l
					break
				}
			}
			old := map[string]string{}
			crows, err := db.QueryContext(ctx, `SELECT header FROM ops.load_columns WHERE load_id = ? ORDER BY position`, prev.id)
			if err != nil {
				continue
			}
			for crows.Next() {
				var h string
				if crows.Scan(&h) == nil {
					old[connectors.NormalizeHeader(h)] = h
				}
			}
			crows.Close()
			cur := map[string]bool{}
			var added, removed []string
			for _, h := range hdr {
				n := connectors.NormalizeHeader(h)
				if n == "" {
					continue
				}
				cur[n] = true
				if _, ok := old[n]; !ok {
					added = append(added, strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
				}
			}
			for n, h := range old {
				if n != "" && !cur[n] {
					removed = append(removed, h)
				}
			}
			if len(added) == 0 && len(removed) == 0 {
				continue
			}
			sort.Strings(removed)
			what := "schema change waiting in landing/" + f.Rel + " since " + prev.path + ":"
			if len(added) > 0 {
				what += " new columns " + strings.Join(added, ", ") + ";"
			}
			if len(removed) > 0 {
				what += " missing columns " + strings.Join(removed, ", ") + ";"
			}
			add(false, strings.TrimSuffix(what, ";"),
				"check the new or missing columns are expected; if a column was renamed, add an alias for it in edwh.yaml (sources: "+src.Name+": aliases:) before the next run")
		}
	}
}

func report(w io.Writer, fs []finding) int {
	bad := 0
	for _, f := range fs {
		mark := "ok  "
		if !f.ok {
			mark = "FIX "
			bad++
		}
		fmt.Fprintf(w, "%s %s\n", mark, f.what)
		if !f.ok && f.fix != "" {
			fmt.Fprintf(w, "     -> %s\n", f.fix)
		}
	}
	if bad == 0 {
		fmt.Fprintln(w, "\nall good")
		return exitOK
	}
	fmt.Fprintf(w, "\n%d thing(s) to fix\n", bad)
	return exitFailed
}
