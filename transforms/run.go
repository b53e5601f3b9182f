package transforms

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"
)

// Execer is what the runner needs of a connection or transaction.
type Execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// ModelResult is one model built.
type ModelResult struct {
	Model   string
	Rows    int64
	Seconds float64
}

// CheckResult is one check run.
type CheckResult struct {
	Check       *Check
	Status      string // "pass", "fail" or "error"
	FailingRows int64
	Err         error
}

// Blocking reports whether the check stops the run.
func (c CheckResult) Blocking() bool { return c.Status != "pass" && c.Check.Severity == "error" }

// Result is what a transform run did.
type Result struct {
	Models []ModelResult
	Checks []CheckResult
}

// Failed lists the checks that block publishing.
func (r *Result) Failed() []CheckResult {
	var out []CheckResult
	for _, c := range r.Checks {
		if c.Blocking() {
			out = append(out, c)
		}
	}
	return out
}

// Progress is told about each model as it is built.
type Progress func(i, n int, model string)

// Verify compares each model's declared dependencies with the tables its
// SQL reads, using DuckDB's parser, so a model can never run before an input
// it forgot to declare.
func (p *Project) Verify(ctx context.Context, db Execer) error {
	var problems []string
	for _, m := range p.Models {
		reads, err := tablesRead(ctx, db, m.SQL)
		if err != nil {
			return fmt.Errorf("%w: %s: %v", ErrModel, m.Path, err)
		}
		declared := map[string]bool{}
		for _, d := range m.Depends {
			declared[d] = true
		}
		for _, r := range reads {
			if !declared[r] {
				problems = append(problems, fmt.Sprintf("%s reads %s but does not declare it (add it to -- depends:)", m.Path, r))
			}
			delete(declared, r)
		}
		for d := range declared {
			problems = append(problems, fmt.Sprintf("%s declares %s but does not read it", m.Path, d))
		}
	}
	if len(problems) > 0 {
		sort.Strings(problems)
		return fmt.Errorf("%w: %s", ErrModel, strings.Join(problems, "; "))
	}
	return nil
}

// tablesRead lists the schema-qualified tables a query reads.
func tablesRead(ctx context.Context, db Execer, query string) ([]string, error) {
	var js string
	// json_serialize_sql takes only a constant; the query is edwh's own
	// embedded SQL, quoted as a literal.
	lit := "'" + strings.ReplaceAll(query, "'", "''") + "'"
	if err := db.QueryRowContext(ctx, "SELECT CAST(json_serialize_sql("+lit+") AS VARCHAR)").Scan(&js); err != nil {
		return nil, err
	}
	var tree any
	if err := json.Unmarshal([]byte(js), &tree); err != nil {
		return nil, err
	}
	if m, ok := tree.(map[string]any); ok && m["error"] == true {
		return nil, fmt.Errorf("does not parse: %v", m["error_message"])
	}
	ctes := map[string]bool{}
	var tables []string
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if cm, ok := x["cte_map"].(map[string]any); ok {
				if list, ok := cm["map"].([]any); ok {
					for _, e := range list {
						if em, ok := e.(map[string]any); ok {
							if k, ok := em["key"].(string); ok {
								ctes[k] = true
							}
						}
					}
				}
			}
			if x["type"] == "BASE_TABLE" {
				schema, _ := x["schema_name"].(string)
				name, _ := x["table_name"].(string)
				if schema == "" {
					tables = append(tables, name)
				} else {
					tables = append(tables, schema+"."+name)
				}
			}
			for _, c := range x {
				walk(c)
			}
		case []any:
			for _, c := range x {
				walk(c)
			}
		}
	}
	walk(tree)
	seen := map[string]bool{}
	var out []string
	for _, t := range tables {
		if ctes[t] || seen[t] {
			continue
		}
		seen[t] = true
		out = append(out, t)
	}
	sort.Strings(out)
	return out, nil
}

// Run builds every model in order, as a table, then runs every check. It
// runs in whatever transaction db is, so the caller can roll it all back.
// A model that fails to build ends the run with an error naming it; checks
// that fail are reported in the result, not as an error.
func (p *Project) Run(ctx context.Context, db Execer, progress Progress) (*Result, error) {
	res := &Result{}
	for i, m := range p.Models {
		if progress != nil {
			progress(i, len(p.Models), m.Name)
		}
		start := time.Now()
		body := strings.TrimRight(strings.TrimSpace(m.SQL), ";")
		if _, err := db.ExecContext(ctx, fmt.Sprintf("CREATE OR REPLACE TABLE %s AS\n%s", m.Name, body)); err != nil {
			return res, fmt.Errorf("building model %s (%s): %w", m.Name, m.Path, err)
		}
		var n int64
		if err := db.QueryRowContext(ctx, "SELECT count(*) FROM "+m.Name).Scan(&n); err != nil {
			return res, err
		}
		res.Models = append(res.Models, ModelResult{Model: m.Name, Rows: n, Seconds: time.Since(start).Seconds()})
	}
	for _, c := range p.Checks {
		cr := CheckResult{Check: c, Status: "pass"}
		q := fmt.Sprintf("SELECT count(*) FROM (%s\n) AS failing", strings.TrimRight(strings.TrimSpace(c.SQL), ";"))
		if err := db.QueryRowContext(ctx, q).Scan(&cr.FailingRows); err != nil {
			if ctx.Err() != nil {
				return res, ctx.Err()
			}
			cr.Status, cr.Err = "error", err
		} else if cr.FailingRows > 0 {
			cr.Status = "fail"
		}
		res.Checks = append(res.Checks, cr)
	}
	return res, nil
}
