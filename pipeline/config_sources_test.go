package pipeline_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/edwh/edwh/pipeline"
)

// realDfE is the folder of real DfE files, relative to this package.
const realDfE = "../../shared/data/dfe"

// reconfigure appends lines to the deployment's edwh.yaml and reloads it,
// as an analyst does after reading why a file was refused.
func reconfigure(t *testing.T, c *pipeline.Config, yaml string) *pipeline.Config {
	t.Helper()
	p := filepath.Join(c.Dir, "edwh.yaml")
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, append(b, yaml...), 0o644); err != nil {
		t.Fatal(err)
	}
	c2, err := pipeline.LoadConfig(p)
	if err != nil {
		t.Fatal(err)
	}
	return c2
}

// TestSourceConfigThroughTheRunner: a file refused because its headers or
// its year are unknown loads on the next run once edwh.yaml says what they
// are (sources.<name>.aliases, sources.<name>.year); the fix is retried
// without touching the file.
func TestSourceConfigThroughTheRunner(t *testing.T) {
	abs, err := os.ReadFile(filepath.Join(realDfE, "performance-tables-2018-19", "england_abs.csv"))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name    string
		file    string // in the landing folder
		body    string
		refused string // in ops.loads.message of the first run
		yaml    string // added to edwh.yaml before the second run
		// loaded checks the second run in the working database
		loaded func(t *testing.T, c *pipeline.Config)
	}{
		{
			name: "header aliases of an LA's MIS export",
			file: "census/census_spring_2019.csv",
			body: "Pupil Ref No,School DfE No,Census Date,NCyearActual,SENprovision,FSMeligible\n" +
				upn(t, "851200118001") + ",8512001,17/01/2019,1,N,0\n" +
				upn(t, "851200118002") + ",8512001,17/01/2019,1,E,1\n",
			refused: "UPN",
			yaml:    "sources:\n  census:\n    aliases:\n      upn: [\"Pupil Ref No\"]\n      laestab: [\"School DfE No\"]\n",
			loaded: func(t *testing.T, c *pipeline.Config) {
				db := workingDB(t, c)
				if n := queryInt(t, db, `SELECT count(*) FROM stg.census WHERE laestab = 8512001 AND time_period = 201819`); n != 2 {
					t.Errorf("stg.census has %d rows of the aliased file, want 2", n)
				}
				if n := queryInt(t, db, `SELECT count(*) FROM mart.pupils WHERE sen_status = 'EHC plan'`); n != 1 {
					t.Errorf("mart.pupils has %d EHC plans, want 1", n)
				}
			},
		},
		{
			name:    "year of a real DfE file named without one",
			file:    "perf_abs/england_abs.csv",
			body:    string(abs),
			refused: "academic year",
			yaml:    "sources:\n  perf_abs:\n    year: \"2018/19\"\n",
			loaded: func(t *testing.T, c *pipeline.Config) {
				db := workingDB(t, c)
				if n := queryInt(t, db, `SELECT count(*) FROM ops.loads WHERE source = 'perf_abs' AND status = 'loaded' AND time_period = 201819`); n != 1 {
					t.Errorf("england_abs.csv not loaded as 2018/19 tables")
				}
				// The 2018/19 tables publish 2017/18 absence.
				if n := queryInt(t, db, `SELECT count(*) FROM stg.perf_abs WHERE time_period = 201718 AND tables_year = 201819`); n < 20000 {
					t.Errorf("stg.perf_abs has %d rows of 2017/18 absence", n)
				}
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := deployment(t, false)
			writeLanding(t, c, map[string]string{tc.file: tc.body})
			runOnce(t, c)
			db := workingDB(t, c)
			var status, msg string
			if err := db.QueryRow(`SELECT status, coalesce(message, '') FROM ops.loads WHERE path = ?`, tc.file).Scan(&status, &msg); err != nil {
				t.Fatal(err)
			}
			if status != "refused" || !strings.Contains(msg, tc.refused) {
				t.Errorf("first run without the setting: %s %q, want refused saying %q", status, msg, tc.refused)
			}
			db.Close()

			c = reconfigure(t, c, tc.yaml)
			sum := runOnce(t, c)
			if sum.FilesLoaded != 1 {
				t.Errorf("second run loaded %d files, want the one refused before (%+v)", sum.FilesLoaded, sum.Refused)
			}
			tc.loaded(t, c)
		})
	}

	t.Run("a year that is not an academic year is a config error", func(t *testing.T) {
		c, _ := deployment(t, false)
		os.MkdirAll(c.LandingDir(), 0o755)
		c = reconfigure(t, c, "sources:\n  perf_abs:\n    year: \"2019\"\n")
		_, err := (&pipeline.Runner{Config: c}).Run(context.Background())
		if !errors.Is(err, pipeline.ErrConfig) || !strings.Contains(err.Error(), "sources.perf_abs.year") {
			t.Errorf("err %v", err)
		}
	})
}
