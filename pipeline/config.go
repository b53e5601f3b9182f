// Package pipeline is one run of edwh: ingest every landing folder, build
// the models, run the checks and publish the snapshot, Parquet and report,
// with a run ledger and a lock so that runs never overlap and a failed or
// killed run leaves the last good publish/ untouched.
package pipeline

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Config is a deployment's edwh.yaml. Relative paths are relative to the
// folder holding the file. Zero values take the defaults shown.
type Config struct {
	// Dir is the folder of the config file; set by LoadConfig.
	Dir string `yaml:"-"`
	// LACode is the deployment's own local authority (3 digits), for the
	// report and the rankings.
	LACode int `yaml:"la_code"`
	// Landing is the folder with one sub-folder per source ("landing").
	Landing string `yaml:"landing"`
	// Warehouse holds the working database and its lock ("warehouse").
	Warehouse string `yaml:"warehouse"`
	// Publish is where the snapshot, Parquet and report go ("publish").
	Publish string `yaml:"publish"`
	// SecretFile holds the pseudonymisation key ("secret.key"). The
	// EDWH_SECRET environment variable, when set, is used instead.
	SecretFile string `yaml:"secret_file"`
	// SuppressBelow: aggregates over fewer pupils are suppressed (6).
	SuppressBelow int `yaml:"suppress_below"`
	// MemoryLimit caps DuckDB's memory ("4GB").
	MemoryLimit string `yaml:"memory_limit"`
	// Threads caps DuckDB's threads (0: one per core).
	Threads int `yaml:"threads"`
	// KeepVersions is how many published versions are kept (3).
	KeepVersions int `yaml:"keep_versions"`
	// Settle: a file modified more recently than this waits for the next
	// run ("0s" for `edwh run`; the scheduler's default is "60s").
	Settle Duration `yaml:"settle"`
	// MaxLineSize is the longest CSV line read, in bytes (8 MiB).
	MaxLineSize int `yaml:"max_line_size"`
	// IngestWorkers is how many sources load side by side, each on its own
	// connection (2). DuckDB reads a file smaller than its buffer (an
	// LA's files, mostly) on one thread and each commit waits for the
	// disk, so two sources at a time use the machine better; a file of
	// 64 MiB or more, which DuckDB reads on every thread, loads alone.
	// 1 loads one file at a time.
	IngestWorkers int `yaml:"ingest_workers"`
	// TransformWorkers is how many models are built side by side, each on
	// its own connection, once the models they read are built (2). Most of
	// an LA's tables are smaller than one DuckDB row group, which DuckDB
	// scans on one thread, so one model at a time left a core idle. 1
	// builds one model at a time; on a machine with more cores, more let
	// more small models run at once.
	TransformWorkers int `yaml:"transform_workers"`
	// Parameters override the defaults of Parameters (see params.go).
	Parameters map[string]float64 `yaml:"parameters"`
	// Programmes sets, per programme of the interventions register, the
	// windows and units intervention_effects and value_for_money use.
	Programmes map[string]ProgrammeConfig `yaml:"programmes"`
	// Schedule configures `edwh schedule`.
	Schedule ScheduleConfig `yaml:"schedule"`
	// Sources configures individual sources by name.
	Sources map[string]SourceConfig `yaml:"sources"`
}

// ProgrammeConfig adjusts the analysis of one programme.
type ProgrammeConfig struct {
	// Pre and Post are academic years or ranges ("2015/16",
	// "2016/17-2018/19"). Default: the year before the start, and the
	// start year onwards.
	Pre  string `yaml:"pre"`
	Post string `yaml:"post"`
	// Unit names what cost_per_unit divides by (e.g. "SENCO action") and
	// Units how many there were.
	Unit  string  `yaml:"unit"`
	Units float64 `yaml:"units"`
}

// yearRange reads "2015/16" or "2015/16-2017/18" as two time periods.
func yearRange(s string) (from, to int, err error) {
	if s == "" {
		return 0, 0, nil
	}
	a, b, found := strings.Cut(s, "-")
	if found && len(strings.TrimSpace(a)) == 4 { // "2015-16" is one year
		a, b, found = s, "", false
	}
	if from = parseYear(a); from == 0 {
		return 0, 0, fmt.Errorf("%q is not an academic year like 2018/19", a)
	}
	to = from
	if found {
		if to = parseYear(b); to == 0 || to < from {
			return 0, 0, fmt.Errorf("%q is not a range of academic years like 2016/17-2018/19", s)
		}
	}
	return from, to, nil
}

// SourceConfig adapts one source to a deployment's files.
type SourceConfig struct {
	// Aliases maps a column name (as in `edwh sources`) to the headers this
	// LA's exports use for it.
	Aliases map[string][]string `yaml:"aliases"`
	// Sheet is the worksheet read from XLSX files (default: the first).
	Sheet string `yaml:"sheet"`
	// Year is the academic year (e.g. "2018/19") of files whose year is
	// not in their folder or name.
	Year string `yaml:"year"`
}

// Duration is a time.Duration written as "60s" or "5m" in YAML.
type Duration time.Duration

// UnmarshalYAML reads "60s", "5m", "1h".
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	v, err := time.ParseDuration(n.Value)
	if err != nil {
		return fmt.Errorf("line %d: %q is not a duration (e.g. 60s, 5m)", n.Line, n.Value)
	}
	*d = Duration(v)
	return nil
}

// ErrConfig wraps every problem with a config file.
var ErrConfig = errors.New("config")

// LoadConfig reads and checks an edwh.yaml. Unknown keys are errors, so a
// misspelt setting is never silently ignored.
func LoadConfig(path string) (*Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %v (create one with `edwh init DIR`)", ErrConfig, err)
	}
	c := &Config{}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(c); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%w: %s: %v", ErrConfig, path, err)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	c.Dir = filepath.Dir(abs)
	c.setDefaults()
	return c, c.validate(path)
}

// defaultIngestWorkers is how many sources load side by side unless
// ingest_workers says otherwise.
const defaultIngestWorkers = 2

// defaultTransformWorkers is how many models are built side by side unless
// transform_workers says otherwise.
const defaultTransformWorkers = 2

func (c *Config) setDefaults() {
	def := func(s *string, v string) {
		if *s == "" {
			*s = v
		}
	}
	def(&c.Landing, "landing")
	def(&c.Warehouse, "warehouse")
	def(&c.Publish, "publish")
	def(&c.SecretFile, "secret.key")
	def(&c.MemoryLimit, "4GB")
	if c.SuppressBelow == 0 {
		c.SuppressBelow = 6
	}
	if c.KeepVersions == 0 {
		c.KeepVersions = 3
	}
	if c.MaxLineSize == 0 {
		c.MaxLineSize = 8 << 20
	}
	if c.IngestWorkers == 0 {
		c.IngestWorkers = defaultIngestWorkers
	}
	if c.TransformWorkers == 0 {
		c.TransformWorkers = defaultTransformWorkers
	}
	c.Schedule.setDefaults()
}

func (c *Config) validate(path string) error {
	if c.LACode != 0 && (c.LACode < 201 || c.LACode > 999) {
		return fmt.Errorf("%w: %s: la_code %d is not a 3-digit LA code", ErrConfig, path, c.LACode)
	}
	if c.IngestWorkers < 1 {
		return fmt.Errorf("%w: %s: ingest_workers must be at least 1", ErrConfig, path)
	}
	if c.TransformWorkers < 1 {
		return fmt.Errorf("%w: %s: transform_workers must be at least 1", ErrConfig, path)
	}
	if c.SuppressBelow < 1 {
		return fmt.Errorf("%w: %s: suppress_below must be at least 1", ErrConfig, path)
	}
	if err := c.Schedule.validate(); err != nil {
		return err
	}
	for name := range c.Sources {
		if SourceByName(name) == nil {
			return fmt.Errorf("%w: %s: sources.%s: edwh has no such source (see `edwh sources`)", ErrConfig, path, name)
		}
	}
	for name, pc := range c.Programmes {
		for _, w := range []string{pc.Pre, pc.Post} {
			if _, _, err := yearRange(w); err != nil {
				return fmt.Errorf("%w: %s: programmes.%s: %v", ErrConfig, path, name, err)
			}
		}
	}
	if err := checkParameters(c); err != nil {
		return err
	}
	if c.KeepVersions < 1 {
		return fmt.Errorf("%w: %s: keep_versions must be at least 1", ErrConfig, path)
	}
	return nil
}

// Path resolves a configured path against the config's folder.
func (c *Config) Path(p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(c.Dir, p)
}

// LandingDir, WarehouseDir, PublishDir are the resolved folders.
func (c *Config) LandingDir() string   { return c.Path(c.Landing) }
func (c *Config) WarehouseDir() string { return c.Path(c.Warehouse) }
func (c *Config) PublishDir() string   { return c.Path(c.Publish) }

// DatabasePath is the working database.
func (c *Config) DatabasePath() string { return filepath.Join(c.WarehouseDir(), "edwh.duckdb") }
