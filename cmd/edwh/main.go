// Command edwh is the education data warehouse: it loads the files an LA
// drops into its landing folders into DuckDB, builds the marts and publishes
// a pseudonymised research snapshot, Parquet for BI tools and a report.
//
//	edwh init DIR                  create a deployment: edwh.yaml, key, landing folders
//	edwh run --config edwh.yaml    run ingest, transform, check and publish once
//	edwh runs                      list past runs
//	edwh quarantine                list rows not loaded or held back, with file, line, column and reason
//	edwh schedule                  run as a service, firing runs on the configured schedule
//	edwh status                    the last run, the published snapshot, the next run, the lock
//	edwh sources                   the sources and the columns each accepts
//	edwh synth --landing DIR       write a synthetic LA's files, for demos and tests
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/rs/zerolog"

	"github.com/edwh/edwh/pipeline"
)

// Exit codes.
const (
	exitOK     = 0
	exitFailed = 1 // the run (or command) failed
	exitUsage  = 2 // bad arguments or config
	exitLocked = 3 // another run holds the warehouse
)

type command struct {
	name, args, summary string
	run                 func(ctx context.Context, args []string, stdout, stderr io.Writer) int
}

var commands []command

func init() {
	commands = []command{
		{"init", "DIR", "create a deployment in DIR: a commented edwh.yaml, a secret key and the landing folders", cmdInit},
		{"run", "[--config FILE]", "run ingest, transform, check and publish once", cmdRun},
		{"runs", "[--config FILE] [--limit N]", "list past runs", cmdRuns},
		{"quarantine", "[--config FILE] [--run N] [--source S] [--limit N]", "list rows not loaded (quarantined, or register rows whose school does not resolve) and, with --values, values nulled; with file, line, column and reason", cmdQuarantine},
		{"schedule", "[--config FILE]", "run as a service: fire runs on the schedule in edwh.yaml (see README for systemd)", cmdSchedule},
		{"status", "[--config FILE]", "say what the last run did, what is published and whether a run is under way", cmdStatus},
		{"rank", "--measure M [--la N] [--year 2018/19] [--published]", "where an LA stands on a published measure: national and statistical neighbour ranks, year by year", cmdRank},
		{"effects", "--programme NAME [--group all|any_sen|disadvantaged] [--schools]", "print a programme's effects: pre/post values, change and difference in differences with intervals", cmdEffects},
		{"doctor", "[--config FILE]", "check a deployment (config, folders, key, disk space, lock, last run, schema changes) and say what to fix", cmdDoctor},
		{"sources", "", "list the sources edwh reads and the columns (and aliases) each accepts", cmdSources},
		{"bench", "[--dir bench] [--out BENCHMARKS.md]", "time a national-scale run against DuckDB's own CSV loading (make bench)", cmdBench},
		{"synth", "--landing DIR [--seed N]", "write a deterministic synthetic LA into a landing folder", cmdSynth},
	}
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "edwh: education data warehouse for local authorities")
	fmt.Fprintln(w, "\nUsage: edwh COMMAND [flags]\n\nCommands:")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-11s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun `edwh COMMAND --help` for a command's flags.")
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stdout)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	for _, c := range commands {
		if c.name == args[0] {
			return c.run(ctx, args[1:], stdout, stderr)
		}
	}
	fmt.Fprintf(stderr, "edwh: unknown command %q\n\n", args[0])
	usage(stderr)
	return exitUsage
}

// newFlags makes a command's flag set with --help text.
func newFlags(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("edwh "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		for _, c := range commands {
			if c.name == name {
				fmt.Fprintf(stderr, "Usage: edwh %s %s\n\n%s\n\nFlags:\n", name, c.args, c.summary)
			}
		}
		fs.PrintDefaults()
	}
	return fs
}

// parse parses flags, turning --help into exit 0 and errors into exit 2.
func parse(fs *flag.FlagSet, args []string) (int, bool) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK, false
		}
		return exitUsage, false
	}
	return 0, true
}

func configFlag(fs *flag.FlagSet) *string {
	return fs.String("config", "edwh.yaml", "the deployment's config file")
}

func loadConfig(path string, stderr io.Writer) (*pipeline.Config, int) {
	c, err := pipeline.LoadConfig(path)
	if err != nil {
		fmt.Fprintln(stderr, "edwh:", err)
		return nil, exitUsage
	}
	return c, exitOK
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// newLogger writes human-readable lines, or JSON with --log-format json.
func newLogger(format string, w io.Writer) (zerolog.Logger, error) {
	switch format {
	case "json":
		return zerolog.New(w).With().Timestamp().Logger(), nil
	case "text", "":
		return zerolog.New(zerolog.ConsoleWriter{Out: w, NoColor: !isTerminal(w), TimeFormat: time.TimeOnly}).
			With().Timestamp().Logger(), nil
	}
	return zerolog.Nop(), fmt.Errorf("--log-format is text or json, not %q", format)
}
