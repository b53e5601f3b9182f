package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/edwh/edwh/pipeline"
)

const configTemplate = `# edwh deployment config. Paths are relative to this file's folder.
# Every setting is optional; the values shown are the defaults.

# Your local authority's 3-digit code, used by the report and rankings.
la_code: %d

# One sub-folder per source: drop files there and the next run loads them.
landing: landing
# The working database (raw rows, the pipeline's own) and its lock.
warehouse: warehouse
# What users read: edwh.duckdb (research snapshot), parquet/ and report/.
publish: publish

# The key behind pupil_key, the pseudonym of each UPN. Keep it secret and
# keep it: a new key changes every pupil_key. EDWH_SECRET, if set, wins.
secret_file: secret.key

# Aggregates over fewer pupils than this are suppressed.
suppress_below: 6

# DuckDB's memory cap and threads (0 = one per core). Keep 4GB or more for a
# national year: DuckDB 1.4.3 can crash when an aggregation outgrows it.
memory_limit: 4GB
threads: 0

# Sources loaded side by side (a file of 64 MiB or more loads alone).
ingest_workers: 2

# Models built side by side once the models they read are built (a model
# that reads a million rows or more is built alone).
transform_workers: 2

# Published versions kept, for readers still holding an older snapshot.
keep_versions: 3

# A file modified less than this long ago is left for the next run.
settle: 0s

# Per-source settings. Column names are listed by ` + "`edwh sources`" + `.
# sources:
#   census:
#     aliases:
#       upn: ["Pupil UPN Number"]
#       census_date: ["Ref Date"]
#     sheet: Pupils          # worksheet read from XLSX files
#   perf_census:
#     year: 2018/19          # when neither folder nor file name says it
`

func cmdInit(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("init", stderr)
	la := fs.Int("la", 0, "your LA's 3-digit code")
	if code, ok := parse(fs, args); !ok {
		return code
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return exitUsage
	}
	dir := fs.Arg(0)
	cfgPath := filepath.Join(dir, "edwh.yaml")
	if _, err := os.Stat(cfgPath); err == nil {
		fmt.Fprintf(stderr, "edwh: %s already exists; edwh init never overwrites a deployment\n", cfgPath)
		return exitFailed
	}
	for _, s := range pipeline.Sources() {
		if err := os.MkdirAll(filepath.Join(dir, "landing", s.Name), 0o755); err != nil {
			fmt.Fprintln(stderr, "edwh:", err)
			return exitFailed
		}
	}
	for _, d := range []string{"warehouse", "publish"} {
		os.MkdirAll(filepath.Join(dir, d), 0o755)
	}
	if err := os.WriteFile(cfgPath, []byte(fmt.Sprintf(configTemplate, *la)), 0o644); err != nil {
		fmt.Fprintln(stderr, "edwh:", err)
		return exitFailed
	}
	key := filepath.Join(dir, "secret.key")
	if _, err := os.Stat(key); err != nil {
		if err := pipeline.NewSecretFile(key); err != nil {
			fmt.Fprintln(stderr, "edwh: writing the key:", err)
			return exitFailed
		}
	}
	fmt.Fprintf(stdout, "Created %s\n  config   %s\n  key      %s (mode 0600: keep it, and keep it out of backups others can read)\n  landing  %s/<source>/\nNext: drop files into the landing folders, then run\n  edwh run --config %s\n",
		dir, cfgPath, key, filepath.Join(dir, "landing"), cfgPath)
	return exitOK
}
