// Package transforms runs edwh's SQL models in dependency order and then
// their data checks.
//
// A model is one .sql file under sql/models/<schema>/<name>.sql holding one
// SELECT; it builds the table <schema>.<name>. Its leading comment block
// describes it and carries directives:
//
//	-- depends: stg.census, stg.schools
//	-- check: not_null pupil_key, time_period
//	-- check: unique pupil_key, time_period
//	-- check: accepted_values sen_status = 'EHC plan', 'SEN support', 'No SEN'
//	-- check: relationships urn -> stg.schools.urn (warn)
//	-- partition: census_date
//
// The declared dependencies are checked against the tables the SQL really
// reads (from DuckDB's own parse tree), so the order can be trusted. A check
// fails when its query returns rows; a failing check of severity "error" (the
// default) fails the run before anything is published, "(warn)" only
// reports. Custom checks are .sql files under sql/checks/ holding a query
// that returns the failing rows, with "-- check: name", "-- severity:" and
// "-- description:" lines. A partition directive lets a run rebuild only
// the partitions of a model that new input rows fall in (see Partition).
package transforms

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
)

// Model is one SQL model.
type Model struct {
	Name        string // schema.table, from the file's path
	Path        string
	SQL         string
	Description string
	Depends     []string
	Checks      []*Check
	// Partition is the model's "-- partition:" directive, or nil.
	Partition *Partition
}

// Check is one data check.
type Check struct {
	Name  string
	Model string // the model it checks, if any
	// Reads lists the models a check declared in a model's header reads
	// (the model, and a relationship's other model). For a custom check,
	// Project.Verify fills it in from the SQL where the check reads only
	// models; nil means it may read anything, and runs on every run.
	Reads       []string
	Severity    string // "error" or "warn"
	Description string
	SQL         string // returns the failing rows
	// Path is the file of a custom check (checks/*.sql); "" for a check
	// declared in a model's header.
	Path string
}

// Project is every model, in dependency order, and every check.
type Project struct {
	Models []*Model
	Checks []*Check // the models' checks, then the custom ones
	byName map[string]*Model
}

// ErrModel wraps every problem found in a model file.
var ErrModel = errors.New("bad model")

// Model returns the model with the given name, or nil.
func (p *Project) Model(name string) *Model { return p.byName[name] }

// Load reads models/**/*.sql and checks/*.sql from fsys and orders the
// models so that each comes after the models it depends on.
func Load(fsys fs.FS) (*Project, error) {
	p := &Project{byName: map[string]*Model{}}
	var models []*Model
	err := fs.WalkDir(fsys, "models", func(pth string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || path.Ext(pth) != ".sql" {
			return err
		}
		b, err := fs.ReadFile(fsys, pth)
		if err != nil {
			return err
		}
		m, err := parseModel(pth, string(b))
		if err != nil {
			return err
		}
		if p.byName[m.Name] != nil {
			return fmt.Errorf("%w: %s: two models named %s", ErrModel, pth, m.Name)
		}
		p.byName[m.Name] = m
		models = append(models, m)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if p.Models, err = order(models, p.byName); err != nil {
		return nil, err
	}
	for _, m := range p.Models {
		p.Checks = append(p.Checks, m.Checks...)
	}
	custom, err := fs.Glob(fsys, "checks/*.sql")
	if err != nil {
		return nil, err
	}
	sort.Strings(custom)
	for _, c := range custom {
		b, err := fs.ReadFile(fsys, c)
		if err != nil {
			return nil, err
		}
		ch, err := parseCustomCheck(c, string(b))
		if err != nil {
			return nil, err
		}
		p.Checks = append(p.Checks, ch)
	}
	return p, nil
}

// parseModel reads a model file's header and body.
func parseModel(pth, text string) (*Model, error) {
	dir, file := path.Split(pth)
	schema := path.Base(dir)
	m := &Model{Name: schema + "." + strings.TrimSuffix(file, ".sql"), Path: pth, SQL: text}
	var desc []string
	for _, line := range strings.Split(text, "\n") {
		t := strings.TrimSpace(line)
		if !strings.HasPrefix(t, "--") {
			if t == "" {
				continue
			}
			break // the header ends at the first line of SQL
		}
		t = strings.TrimSpace(strings.TrimPrefix(t, "--"))
		switch {
		case strings.HasPrefix(t, "depends:"):
			for _, d := range strings.Split(strings.TrimPrefix(t, "depends:"), ",") {
				if d = strings.TrimSpace(d); d != "" {
					m.Depends = append(m.Depends, d)
				}
			}
		case strings.HasPrefix(t, "partition:"):
			pt, err := parsePartition(strings.TrimPrefix(t, "partition:"))
			if err != nil {
				return nil, fmt.Errorf("%w: %s: %v", ErrModel, pth, err)
			}
			m.Partition = pt
		case strings.HasPrefix(t, "check:"):
			cs, err := parseCheck(m.Name, strings.TrimSpace(strings.TrimPrefix(t, "check:")))
			if err != nil {
				return nil, fmt.Errorf("%w: %s: %v", ErrModel, pth, err)
			}
			m.Checks = append(m.Checks, cs...)
		default:
			desc = append(desc, t)
		}
	}
	m.Description = strings.TrimSpace(strings.Join(desc, "\n"))
	if strings.Contains(strings.TrimRight(strings.TrimSpace(stripStrings(stripComments(text))), ";"), ";") {
		return nil, fmt.Errorf("%w: %s: a model holds exactly one SELECT statement", ErrModel, pth)
	}
	return m, nil
}

// stripComments drops -- comments (edwh's models do not put "--" in strings).
func stripComments(sql string) string {
	var b strings.Builder
	for _, line := range strings.Split(sql, "\n") {
		if i := strings.Index(line, "--"); i >= 0 {
			line = line[:i]
		}
		b.WriteString(line)
		b.WriteString("\n")
	}
	return b.String()
}

// stripStrings blanks out '...' literals (two quotes in a row are an escaped quote), so a
// semicolon inside a string is not taken for the end of a statement.
func stripStrings(sql string) string {
	var b strings.Builder
	in := false
	for i := 0; i < len(sql); i++ {
		c := sql[i]
		if c == '\'' {
			in = !in
			continue
		}
		if !in {
			b.WriteByte(c)
		}
	}
	return b.String()
}

func splitCols(s string) []string {
	var out []string
	for _, c := range strings.Split(s, ",") {
		if c = strings.TrimSpace(c); c != "" {
			out = append(out, c)
		}
	}
	return out
}

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// parseCheck turns one "-- check:" directive into checks.
func parseCheck(model, spec string) ([]*Check, error) {
	sev := "error"
	if strings.HasSuffix(spec, "(warn)") {
		sev, spec = "warn", strings.TrimSpace(strings.TrimSuffix(spec, "(warn)"))
	}
	kind, rest, _ := strings.Cut(spec, " ")
	rest = strings.TrimSpace(rest)
	mk := func(name, desc, sql string) *Check {
		return &Check{Name: name, Model: model, Reads: []string{model}, Severity: sev, Description: desc, SQL: sql}
	}
	switch kind {
	case "not_null":
		var cs []*Check
		for _, c := range splitCols(rest) {
			cs = append(cs, mk(fmt.Sprintf("not_null(%s.%s)", model, c), c+" is never NULL",
				fmt.Sprintf("SELECT * FROM %s WHERE %s IS NULL", model, quoteIdent(c))))
		}
		if len(cs) == 0 {
			return nil, errors.New("not_null needs columns")
		}
		return cs, nil
	case "unique":
		cols := splitCols(rest)
		if len(cols) == 0 {
			return nil, errors.New("unique needs columns")
		}
		q := make([]string, len(cols))
		for i, c := range cols {
			q[i] = quoteIdent(c)
		}
		// Rows are first grouped by a 64-bit hash of the key, which is far
		// cheaper than grouping millions of text keys, and only the rows
		// of a hash seen twice are grouped by the key itself: a duplicate
		// always shares its hash, and two keys sharing one by chance are
		// told apart by the second grouping.
		k := strings.Join(q, ", ")
		return []*Check{mk(fmt.Sprintf("unique(%s: %s)", model, strings.Join(cols, ", ")),
			"one row per "+strings.Join(cols, ", "),
			fmt.Sprintf("SELECT %s, count(*) AS n FROM %s WHERE hash(%s) IN (SELECT hash(%s) FROM %s GROUP BY 1 HAVING count(*) > 1) GROUP BY ALL HAVING count(*) > 1",
				k, model, k, k, model))}, nil
	case "accepted_values":
		col, vals, ok := strings.Cut(rest, "=")
		if !ok {
			return nil, errors.New("accepted_values needs: column = 'a', 'b'")
		}
		col = strings.TrimSpace(col)
		return []*Check{mk(fmt.Sprintf("accepted_values(%s.%s)", model, col), col+" is one of "+strings.TrimSpace(vals),
			fmt.Sprintf("SELECT %s, count(*) AS n FROM %s WHERE %s IS NOT NULL AND %s NOT IN (%s) GROUP BY 1",
				quoteIdent(col), model, quoteIdent(col), quoteIdent(col), strings.TrimSpace(vals)))}, nil
	case "relationships":
		col, target, ok := strings.Cut(rest, "->")
		parts := strings.Split(strings.TrimSpace(target), ".")
		if !ok || len(parts) != 3 {
			return nil, errors.New("relationships needs: column -> schema.table.column")
		}
		col = strings.TrimSpace(col)
		other := parts[0] + "." + parts[1]
		c := mk(fmt.Sprintf("relationships(%s.%s -> %s)", model, col, strings.TrimSpace(target)),
			fmt.Sprintf("every %s is in %s", col, strings.TrimSpace(target)),
			fmt.Sprintf("SELECT %s, count(*) AS n FROM %s WHERE %s IS NOT NULL AND %s NOT IN (SELECT %s FROM %s WHERE %s IS NOT NULL) GROUP BY 1",
				quoteIdent(col), model, quoteIdent(col), quoteIdent(col), quoteIdent(parts[2]), other, quoteIdent(parts[2])))
		c.Reads = append(c.Reads, other)
		return []*Check{c}, nil
	}
	return nil, fmt.Errorf("unknown check %q (not_null, unique, accepted_values, relationships)", kind)
}

// parseCustomCheck reads a checks/*.sql file.
func parseCustomCheck(pth, text string) (*Check, error) {
	c := &Check{Name: strings.TrimSuffix(path.Base(pth), ".sql"), Severity: "error", SQL: text, Path: pth}
	for _, line := range strings.Split(text, "\n") {
		t := strings.TrimSpace(line)
		if !strings.HasPrefix(t, "--") {
			continue
		}
		t = strings.TrimSpace(strings.TrimPrefix(t, "--"))
		k, v, _ := strings.Cut(t, ":")
		v = strings.TrimSpace(v)
		switch k {
		case "check":
			c.Name = v
		case "severity":
			if v != "error" && v != "warn" {
				return nil, fmt.Errorf("%w: %s: severity is error or warn, not %q", ErrModel, pth, v)
			}
			c.Severity = v
		case "description":
			c.Description = v
		case "model":
			c.Model = v
		}
	}
	return c, nil
}

// order sorts models so that dependencies come first (Kahn's algorithm,
// ties by name so the order is stable). Dependencies on tables that are not
// models (raw.*, ops.*) are inputs.
func order(models []*Model, byName map[string]*Model) ([]*Model, error) {
	indeg := map[string]int{}
	users := map[string][]string{}
	for _, m := range models {
		indeg[m.Name] += 0
		for _, d := range m.Depends {
			if byName[d] != nil {
				indeg[m.Name]++
				users[d] = append(users[d], m.Name)
			} else if !strings.HasPrefix(d, "raw.") && !strings.HasPrefix(d, "ops.") {
				return nil, fmt.Errorf("%w: %s depends on %s, which is neither a model nor a raw or ops table", ErrModel, m.Path, d)
			}
		}
	}
	var ready, out []string
	for n, k := range indeg {
		if k == 0 {
			ready = append(ready, n)
		}
	}
	var sorted []*Model
	for len(ready) > 0 {
		sort.Strings(ready)
		n := ready[0]
		ready = ready[1:]
		out = append(out, n)
		sorted = append(sorted, byName[n])
		for _, u := range users[n] {
			if indeg[u]--; indeg[u] == 0 {
				ready = append(ready, u)
			}
		}
	}
	if len(sorted) != len(models) {
		var cyc []string
		for n, k := range indeg {
			if k > 0 {
				cyc = append(cyc, n)
			}
		}
		sort.Strings(cyc)
		return nil, fmt.Errorf("%w: dependency cycle among %s", ErrModel, strings.Join(cyc, ", "))
	}
	return sorted, nil
}
