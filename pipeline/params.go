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
	{"p8_cap_sd", 2.3, "Progress 8 extreme negative scores are capped at the PAG mean less this many SDs (UNVERIFIED: estimated, DfE does not state it)"},
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
