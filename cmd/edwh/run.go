package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/edwh/edwh/pipeline"
)

func cmdRun(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("run", stderr)
	cfgPath := configFlag(fs)
	logFormat := fs.String("log-format", "text", "log format: text (human-readable) or json")
	quiet := fs.Bool("quiet", false, "print only the summary")
	rebuild := fs.Bool("rebuild", false, "rebuild every model, even those whose inputs have not changed since the last run")
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
	if *quiet {
		log = log.Level(4) // warnings and errors only
	}
	r := &pipeline.Runner{Config: c, Log: log, Trigger: "manual", Rebuild: *rebuild}
	if isTerminal(stderr) && *logFormat != "json" {
		r.Progress = stderr
	}
	sum, err := r.Run(ctx)
	printSummary(stdout, c, sum)
	switch {
	case errors.Is(err, pipeline.ErrLocked):
		return exitLocked
	case errors.Is(err, pipeline.ErrConfig), errors.Is(err, pipeline.ErrSecret):
		return exitUsage
	case err != nil:
		return exitFailed
	}
	return exitOK
}

// rel shows a path relative to the working directory when shorter.
func rel(p string) string {
	wd, err := os.Getwd()
	if err != nil {
		return p
	}
	if r, err := filepath.Rel(wd, p); err == nil && !strings.HasPrefix(r, "../..") {
		return r
	}
	return p
}

func printSummary(w io.Writer, c *pipeline.Config, s *pipeline.Summary) {
	if s == nil {
		return
	}
	fmt.Fprintf(w, "\nedwh run %d %s in %s\n", s.RunID, s.Status, s.Duration.Round(10*time.Millisecond))
	if len(s.Phases) > 0 {
		var parts []string
		for _, p := range s.Phases {
			if strings.HasPrefix(p.Name, "ingest ") && p.Name != "ingest (all sources)" {
				continue // per source: see edwh bench
			}
			parts = append(parts, fmt.Sprintf("%s %s", p.Name, p.Duration.Round(10*time.Millisecond)))
		}
		fmt.Fprintf(w, "  took:    %s\n", strings.Join(parts, ", "))
	}
	fmt.Fprintf(w, "  files:   %d in landing, %d new: %d loaded, %d refused; %d still being written\n",
		s.FilesSeen, s.FilesNew, s.FilesLoaded, s.FilesRefused, s.FilesWaiting)
	fmt.Fprintf(w, "  rows:    %s loaded, %s quarantined, %s values set to NULL or flagged\n",
		thousands(s.RowsLoaded), thousands(s.RowsQuarantined), thousands(s.ValuesNulled))
	if s.RowsUnresolved > 0 {
		fmt.Fprintf(w, "           %s interventions register rows held back: their school does not resolve to a URN\n", thousands(s.RowsUnresolved))
	}
	if s.RowsQuarantined > 0 || s.ValuesNulled > 0 || s.RowsUnresolved > 0 {
		fmt.Fprintf(w, "           (see them with: edwh quarantine --config %s --run %d)\n", rel(filepath.Join(c.Dir, "edwh.yaml")), s.RunID)
	}
	for _, r := range s.Refused {
		fmt.Fprintf(w, "  refused: %s\n", r)
	}
	if s.Models > 0 {
		fmt.Fprintf(w, "  models:  %d rebuilt, %d kept (nothing they read changed)", s.Models-s.ModelsKept, s.ModelsKept)
		if s.ModelsUnchanged > 0 {
			fmt.Fprintf(w, "; %d rebuilt with the same rows as before", s.ModelsUnchanged)
		}
		if s.ModelsPartial > 0 {
			fmt.Fprintf(w, "; %d rebuilt only for the census dates or pupils new rows touch", s.ModelsPartial)
		}
		fmt.Fprintln(w)
	}
	if s.ChecksRun > 0 {
		fmt.Fprintf(w, "  checks:  %d run, %d passed, %d failed, %d warnings", s.ChecksRun,
			s.ChecksRun-len(s.ChecksFailed)-len(s.ChecksWarned), len(s.ChecksFailed), len(s.ChecksWarned))
		if s.ChecksCarried > 0 {
			fmt.Fprintf(w, " (%d carried from the last run)", s.ChecksCarried)
		}
		fmt.Fprintln(w)
	}
	for _, f := range s.ChecksFailed {
		fmt.Fprintf(w, "    FAILED %s\n", f)
	}
	for _, f := range s.ChecksWarned {
		fmt.Fprintf(w, "    warning %s\n", f)
	}
	switch {
	case s.Published != "":
		pub := rel(s.PublishDir)
		fmt.Fprintf(w, "  published (%s):\n", s.Published)
		fmt.Fprintf(w, "    research snapshot  %s\n", filepath.Join(pub, "edwh.duckdb"))
		fmt.Fprintf(w, "    Parquet for BI     %s/\n", filepath.Join(pub, "parquet"))
		fmt.Fprintf(w, "    report             %s\n", filepath.Join(pub, "report", "index.html"))
	case s.Status == pipeline.StatusUnchanged:
		fmt.Fprintf(w, "  nothing new: %s is up to date\n", rel(s.PublishDir))
	}
	if s.Err != nil {
		fmt.Fprintf(w, "  error:   %v\n", s.Err)
	}
}

func thousands(n int64) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return "-" + thousands(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
