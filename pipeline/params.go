package pipeline

import (
	"context"
	"database/sql/driver"
	"fmt"
	"sort"
)

// Parameter is a number a model uses whose value is a DfE rule not verified
// from a primary source, or a choice an LA may want to make differently.
// Models read it as getvariable('edwh_<name>'); edwh.yaml may override it
// under parameters:.
type Parameter struct {
	Name    string
	Default float64
	Doc     string
}

// Parameters are every parameter, with defaults and where they come from.
var Parameters = []Parameter{
	{"suppress_below", 6, "aggregates over fewer pupils are suppressed (set by suppress_below)"},
	{"phonics_expected_mark", 32, "phonics screening check expected standard, marks out of 40 (threshold 32 every year since 2012: UNVERIFIED per year)"},
	{"ks2_expected_score", 100, "KS2 scaled score at the expected standard"},
	{"ks2_high_score", 110, "KS2 scaled score for the high standard"},
	{"persistent_absence_pct", 10, "persistent absence: overall absence at or above this % of the pupil's own possible sessions (2015/16 on)"},
	{"severe_absence_pct", 50, "severe absence: at or above this % of possible sessions (SECONDARY source)"},
	{"national_rank_min_las", 100, "mart.rankings gives national ranks only where the data loaded for a measure and year covers at least this many LAs (of about 150), so an LA's own file never passes for a national ranking (an edwh choice)"},
	{"p8_cap_sd", 2.3, "Progress 8 extreme negative scores are capped at the PAG mean (0) less this many SDs of the loaded pupils' P8 in the PAG, unless the year's published estimates give DfE's caps (UNVERIFIED: estimated, DfE does not state it)"},
	{"lunchtime_as_suspension", 0, "1 counts lunchtime exclusions (LNCH) as suspensions in mart.exclusions, 0 reports them apart (UNVERIFIED whether DfE statistics include them)"},
	{"audit_scale_max", 4, "top of the scale of numeric SEND audit ratings when the file declares none (1-4 by default; an LA choice)"},
	{"audit_pre_window_days", 90, "a SEND audit without a stage counts as 'pre' up to this many days after its programme's start (an LA choice)"},
	{"audit_post_min_days", 300, "a school's last SEND audit without a stage counts as 'post' when at least this many days after its programme's start (an LA choice)"},
	{"p8_pag_width", 0, "width of a Progress 8 prior attainment group in KS2 baseline points; 0 = automatic: 1 scaled-score point, or 0.1 for fine levels below 10; used only for years without published estimates (p8_estimates), whose bands are DfE's (UNVERIFIED: DfE's group boundaries are not reproduced)"},
	{"p8_national_sd", 0, "national standard deviation of pupil Progress 8 scores for confidence intervals; 0 = computed from the cohort loaded (DfE 2019 implied about 1.28: VERIFIED-EMPIRICAL)"},
	{"ks2_nominal_below_standard", 79, "scaled score given to a KS2 pupil working below the test standard (code B) in the gap index (SECONDARY: sigplus, 2017)"},
	{"neighbours_k", 10, "how many similar schools school_neighbours lists for each school"},
	{"bootstrap_replicates", 200, "bootstrap resamples of schools behind se_schools in intervention_effects (200 give a standard error within about 5% of its limit)"},
	{"bootstrap_seed", 1, "seed of those resamples: the same seed gives the same intervals on every run"},
	{"neighbours_same_la", 0, "1 looks for similar schools only within the school's own LA (for national extracts, where comparing every school with every other is slow); 0 among all schools loaded"},
}

// paramValues is the parameters in force for a config.
func paramValues(c *Config) map[string]float64 {
	v := map[string]float64{}
	for _, p := range Parameters {
		v[p.Name] = p.Default
	}
	for k, x := range c.Parameters {
		v[k] = x
	}
	v["suppress_below"] = float64(c.SuppressBelow)
	return v
}

func checkParameters(c *Config) error {
	known := map[string]bool{}
	for _, p := range Parameters {
		known[p.Name] = true
	}
	for k := range c.Parameters {
		if !known[k] {
			return fmt.Errorf("%w: unknown parameter %q (see `edwh sources --parameters`)", ErrConfig, k)
		}
	}
	return nil
}

// setParameters defines the parameters as session variables.
func setParameters(ctx context.Context, ex driver.ExecerContext, v map[string]float64) error {
	names := make([]string, 0, len(v))
	for n := range v {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if _, err := ex.ExecContext(ctx, fmt.Sprintf("SET VARIABLE edwh_%s = CAST(%v AS DOUBLE)", n, v[n]), nil); err != nil {
			return err
		}
	}
	return nil
}
