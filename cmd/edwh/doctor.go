package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"

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
	minFree := fs.Int64("min-free-gb", 5, "warn when a folder's file system has less free space than this")
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
			if free < *minFree<<30 {
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
		add(true, "a run is under way now ("+h+")", "")
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
	var refused int
	db.QueryRowContext(ctx, `SELECT count(*) FROM ops.loads WHERE status = 'refused'
		AND path NOT IN (SELECT path FROM ops.loads WHERE status = 'loaded')`).Scan(&refused)
	if refused > 0 {
		add(false, fmt.Sprintf("%d file(s) in landing were refused and never loaded", refused), "see the reasons with `edwh runs` and the report; fix or remove the files")
	}
	return report(stdout, out)
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
