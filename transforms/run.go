package transforms

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"
)

// Execer is what the runner needs of a connection or transaction.
type Execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// ModelResult is one model built, or kept.
type ModelResult struct {
	Model   string
	Rows    int64
	Seconds float64
	// Kept is true when the model's table was left as the last run built
	// it, because nothing it reads had changed (see State).
	Kept bool
	// Fingerprint identifies what the table was built from; the caller
	// stores it and hands it back in State.Built on the next run.
	Fingerprint string
	// Unchanged is true when the model was rebuilt and came out with the
	// same rows and columns as the table it would replace (see
	// State.LastGlobal): that table is kept, and so are the models that
	// read only unchanged or kept models.
	Unchanged bool
	// Output identifies the table's rows: what the fingerprints of the
	// models that read it are made of. It is Fingerprint for a table built
	// with new rows, and carries over from the last run for a table kept or
	// rebuilt unchanged. The caller stores it and hands it back in
	// State.Outputs.
	Output string
	// Partial is true when the model was rebuilt by partition (see
	// Partition): Swap replaces those partitions' rows in its table.
	Partial bool
	// Content is the table's row count, column names and types, and a
	// hash of its rows, where it was worked out ("" where not); the caller
	// hands it back in State.Contents, so that the next comparison hashes
	// only the new table.
	Content string
}

// CheckResult is one check run, or carried over.
type CheckResult struct {
	Check       *Check
	Status      string // "pass", "fail" or "error"
	FailingRows int64
	Err         error
	// Carried is true when the check read only models that were kept, so
	// its result is the previous run's, not run again.
	Carried bool
	// Fingerprint identifies the check's SQL. A result is carried only
	// from a run whose check had the same (see State.Checks).
	Fingerprint string
}

// Fingerprint identifies a check's SQL: the caller records it with the
// result and hands it back in State.Checks.
func (c *Check) Fingerprint() string {
	return fmt.Sprintf("%x", sha256.Sum256([]byte(c.Name+"\n"+c.SQL)))[:32]
}

// State lets Build keep the tables of models whose inputs have not changed
// since the last run. A model's fingerprint is a hash of its SQL, of Global
// and of the fingerprints of everything it reads: other models' Outputs
// and, for raw and ops tables, Inputs. A model is rebuilt when its
// fingerprint differs from Built, when its table is missing, or when one of
// its raw or ops inputs is not in Inputs (an input nobody fingerprinted is
// taken to have changed, so forgetting one costs time, never correctness).
type State struct {
	// Inputs fingerprints each raw or ops table the models read, for
	// example the load ids behind raw.census and its row count.
	Inputs map[string]string
	// Global is everything every model may read: parameters, the
	// pseudonymisation key's fingerprint, the LA.
	Global string
	// Built is each model's fingerprint as of the last committed run.
	Built map[string]string
	// Checks is each check's last result (by name), with the Fingerprint
	// of its SQL then; a check with the same SQL that reads only kept
	// models is carried over from it instead of run.
	Checks map[string]CheckResult
	// Outputs is each model's Output as of the last committed run. A
	// model missing from it is taken to have Output equal to Built.
	Outputs map[string]string
	// Contents is each model's Content as of the last committed run, where
	// one was worked out.
	Contents map[string]string
	// LastInputs is Inputs as of the last committed run.
	LastInputs map[string]string
	// Appended gives, for each raw input that only grew since the last
	// committed run, a SQL condition on its rows that selects the rows
	// added since (e.g. "_load_id > 41"): a model with a Partition
	// rebuilds only the partitions they fall in.
	Appended map[string]string
	// LastGlobal is Global as of the last committed run. BuildStaged
	// compares a rebuilt model's rows with the table it replaces only when
	// Global has not changed: a new parameter or key rebuilds every model
	// whatever a comparison finds, so comparing would only cost time.
	LastGlobal string
}

// output is the Output a model had after the last committed run.
func (st *State) output(model string) string {
	if o := st.Outputs[model]; o != "" {
		return o
	}
	return st.Built[model]
}

// fingerprint works out a model's fingerprint from the Outputs of the
// models it reads (out) and st's Inputs. Reading Outputs, not the models'
// own fingerprints, is what lets a model rebuilt with the same rows leave
// its readers kept.
func fingerprint(m *Model, st *State, out map[string]string) string {
	return fingerprintWith(m, st, out, nil)
}

// fingerprintWith is fingerprint with the values in was in place of the
// current ones of the inputs it names.
func fingerprintWith(m *Model, st *State, out, was map[string]string) string {
	h := sha256.New()
	fmt.Fprintf(h, "sql %x\nglobal %s\n", sha256.Sum256([]byte(m.SQL)), st.Global)
	deps := append([]string(nil), m.Depends...)
	sort.Strings(deps)
	for _, d := range deps {
		v, ok := was[d]
		if !ok {
			v, ok = out[d]
		}
		if !ok {
			v, ok = st.Inputs[d]
		}
		if !ok {
			// Unknown input: a fresh value each run, so always rebuilt.
			v = fmt.Sprintf("unknown %d", time.Now().UnixNano())
		}
		fmt.Fprintf(h, "dep %s %s\n", d, v)
	}
	return hex.EncodeToString(h.Sum(nil))[:32]
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
// it forgot to declare. It also records what each custom check reads
// (Check.Reads), where that is only models.
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
	// A custom check that reads only models can be carried over like a
	// model's own checks; one that reads anything else (a raw or ops
	// table) keeps Reads nil and runs every time.
	for _, c := range p.Checks {
		if c.Path == "" {
			continue // a model's own check: Reads come from its header
		}
		reads, err := tablesRead(ctx, db, c.SQL)
		if err != nil {
			return fmt.Errorf("%w: check %s: %v", ErrModel, c.Name, err)
		}
		c.Reads = nil
		for _, r := range reads {
			if p.Model(r) == nil {
				c.Reads = nil
				break
			}
			c.Reads = append(c.Reads, r)
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
	return p.Build(ctx, db, nil, progress)
}

// Build is Run that keeps the tables of models whose inputs have not
// changed since the run st describes (nil: build everything), and carries
// over the results of checks that read only kept models.
func (p *Project) Build(ctx context.Context, db Execer, st *State, progress Progress) (*Result, error) {
	return p.build(ctx, []Execer{db}, st, progress, false)
}

// StageSuffix names the staged table of a model being rebuilt by
// BuildStaged: stg.census is built as stg.census__build.
const StageSuffix = "__build"

// BuildStaged is Build for a database that holds millions of rows: every
// model rebuilt is built as its own committed table, named with
// StageSuffix, and the models and checks after it read that table. db must
// not be in a transaction. Nothing that reads the models' own names sees a
// staged table until Swap puts them in place, in the caller's transaction,
// so a run that stops half way leaves the models as the last run left them
// (and staged tables, which DropStaged removes).
//
// Why not one transaction, as Build: DuckDB 1.4.3 estimates a table's rows
// from its committed rows only, so a table created earlier in the same
// transaction is planned as if it were empty (duckdb/duckdb#21573, fixed
// after 1.4.3), and joins and aggregates over it ran up to eight times
// slower than on the same table committed.
func (p *Project) BuildStaged(ctx context.Context, db Execer, st *State, progress Progress) (*Result, error) {
	return p.build(ctx, []Execer{db}, st, progress, true)
}

// BuildStagedOn is BuildStaged on several connections to one database
// (none in a transaction): a model is built as soon as the models it reads
// are, on whichever connection is free, and the checks are shared out
// among them too. The result is the same as BuildStaged's on one of them;
// only the time differs.
//
// Why: on an LA's data most tables are smaller than one of DuckDB's row
// groups (122,880 rows), and DuckDB gives a scan one thread per row group,
// so one model at a time left a core idle for much of the transform.
func (p *Project) BuildStagedOn(ctx context.Context, conns []Execer, st *State, progress Progress) (*Result, error) {
	if len(conns) == 0 {
		return nil, errors.New("transforms: BuildStagedOn needs a connection")
	}
	return p.build(ctx, conns, st, progress, true)
}

// plan is what every model of one run of build reads and none changes.
type plan struct {
	p       *Project
	st      *State
	staged  bool
	compare bool            // compare rebuilt models with their last build
	readers map[string]bool // models some other model reads
}

// builder is one run of build: what it has settled so far. Only build's
// own goroutine reads or writes it; each model is built from a job, which
// holds a copy of what the model may read.
type builder struct {
	*plan
	out      map[string]string   // each model's Output so far
	partials map[string]*partial // models rebuilt by partition
	// rename rewrites SQL to read the staged tables of the models rebuilt
	// so far.
	rename func(string) string
}

// job is one model's build, on its own connection. out and partials hold
// the entries of the models m reads, all settled before the job starts.
type job struct {
	*plan
	db       Execer
	m        *Model
	out      map[string]string
	partials map[string]*partial
	rename   func(string) string
}

func (b *builder) job(m *Model, db Execer) *job {
	j := &job{plan: b.plan, db: db, m: m, out: map[string]string{}, partials: map[string]*partial{}, rename: b.rename}
	for _, d := range m.Depends {
		if o, ok := b.out[d]; ok {
			j.out[d] = o
		}
		if px := b.partials[d]; px != nil {
			j.partials[d] = px
		}
	}
	return j
}

// built is what a job sends back when it ends.
type built struct {
	i    int
	mr   ModelResult
	part *partial
	db   Execer
	err  error
}

func (p *Project) build(ctx context.Context, conns []Execer, st *State, progress Progress, staged bool) (*Result, error) {
	res := &Result{}
	b := &builder{plan: &plan{p: p, st: st, staged: staged, readers: p.readers(),
		compare: staged && st != nil && st.LastGlobal != "" && st.LastGlobal == st.Global},
		out: map[string]string{}, partials: map[string]*partial{}, rename: func(sql string) string { return sql }}
	same := map[string]bool{} // kept, or rebuilt unchanged: its table stays
	var rebuilt []string      // built as a new table (or a view, by partition)

	// A model's fingerprint depends on whether the models it reads came
	// out unchanged, so a model starts only when they are settled. The
	// models are in dependency order; on one connection they are built in
	// that order.
	n := len(p.Models)
	index := map[string]int{}
	for i, m := range p.Models {
		index[m.Name] = i
	}
	// On several connections, the ready model with the longest chain of
	// readers after it starts first, so that the chain the build waits
	// for is not held up behind models nothing waits for.
	height := make([]int, n)
	for i := n - 1; i >= 0; i-- { // a model's readers come after it
		for _, d := range p.Models[i].Depends {
			if k, ok := index[d]; ok {
				height[k] = max(height[k], height[i]+1)
			}
		}
	}
	started, settled := make([]bool, n), make([]bool, n)
	results := make([]ModelResult, n)
	ready := func(i int) bool {
		for _, d := range p.Models[i].Depends {
			if k, ok := index[d]; ok && !settled[k] {
				return false
			}
		}
		return true
	}
	// On several connections, DuckDB's threads are shared out (sharing):
	// a model that reads many rows runs alone with all of them, smaller
	// ones side by side on one thread each.
	var sh *sharing
	if len(conns) > 1 {
		var err error
		if sh, err = newSharing(ctx, conns[0]); err != nil {
			return res, err
		}
		defer sh.set(context.WithoutCancel(ctx), conns[0], sh.threads)
	}
	rows := map[string]int64{} // rows of each model settled
	jobCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	free := append([]Execer(nil), conns...)
	done := make(chan built)
	running, next := 0, 0 // next: no model before it is left to start
	alone := false        // the model running has all the threads
	var firstErr error
	for {
		for firstErr == nil && len(free) > 0 && !alone {
			i := -1
			for k := next; k < n; k++ {
				if !started[k] && ready(k) && (i < 0 || height[k] > height[i]) {
					i = k
					if len(conns) == 1 {
						break
					}
				}
			}
			if i < 0 {
				break
			}
			m := p.Models[i]
			db := free[len(free)-1]
			if sh != nil {
				// A big model waits for the others to finish, and nothing
				// starts beside it.
				threads := 1
				if sh.big(m, rows) {
					if running > 0 {
						break
					}
					threads, alone, sh.anyBig = sh.threads, true, true
				}
				if err := sh.set(ctx, db, threads); err != nil {
					firstErr = err
					break
				}
			}
			for next < n && started[next] {
				next++
			}
			if progress != nil {
				progress(i, n, m.Name)
			}
			j := b.job(m, db)
			free = free[:len(free)-1]
			started[i] = true
			running++
			go func() {
				mr, part, err := j.build(jobCtx)
				done <- built{i: i, mr: mr, part: part, db: j.db, err: err}
			}()
		}
		if running == 0 {
			break
		}
		d := <-done
		running--
		alone = false
		free = append(free, d.db)
		if d.err != nil {
			if firstErr == nil {
				firstErr = d.err
				cancel() // the jobs still running stop, and nothing new starts
			}
			continue
		}
		m := p.Models[d.i]
		switch {
		case d.mr.Kept || d.mr.Unchanged:
			same[m.Name] = true
		case staged:
			// Models and checks after this one read its staged table (or
			// view).
			if d.mr.Partial {
				b.partials[m.Name] = d.part
			}
			rebuilt = append(rebuilt, m.Name)
			b.rename = stagedNames(rebuilt)
		}
		b.out[m.Name] = d.mr.Output
		rows[m.Name] = d.mr.Rows
		results[d.i], settled[d.i] = d.mr, true
	}
	for i := range results {
		if settled[i] {
			res.Models = append(res.Models, results[i])
		}
	}
	if firstErr != nil {
		return res, firstErr
	}

	var pending []int // indexes into res.Checks of the checks to run
	for _, c := range p.Checks {
		if prev, ok := st.carried(c, same); ok {
			res.Checks = append(res.Checks, prev)
			continue
		}
		res.Checks = append(res.Checks, CheckResult{Check: c, Fingerprint: c.Fingerprint()})
		pending = append(pending, len(res.Checks)-1)
	}
	// Where a model was big enough to be built alone, the checks run one
	// batch at a time with all the threads; otherwise side by side, one
	// thread each.
	checkConns := conns
	if sh != nil {
		threads := 1
		if sh.anyBig {
			threads, checkConns = sh.threads, conns[:1]
		}
		if err := sh.set(ctx, conns[0], threads); err != nil {
			return res, err
		}
	}
	return res, runCheckBatches(ctx, checkConns, res.Checks, pending, b.rename)
}

// runCheckBatches runs the checks at pending in batches of checkBatch,
// shared out among conns. Each batch writes only its own checks' results.
func runCheckBatches(ctx context.Context, conns []Execer, checks []CheckResult, pending []int, rename func(string) string) error {
	batches := make(chan []int, (len(pending)+checkBatch-1)/checkBatch)
	for len(pending) > 0 {
		k := min(len(pending), checkBatch)
		batches <- pending[:k]
		pending = pending[k:]
	}
	close(batches)
	errs := make(chan error, len(conns))
	for _, db := range conns {
		go func() {
			for idx := range batches {
				if err := runChecks(ctx, db, checks, idx, rename); err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	var first error
	for range conns {
		if err := <-errs; err != nil && first == nil {
			first = err
		}
	}
	return first
}

// build builds, keeps or compares the job's model: the body of a run for
// one model.
func (j *job) build(ctx context.Context) (ModelResult, *partial, error) {
	m, st, db := j.m, j.st, j.db
	start := time.Now()
	mr := ModelResult{Model: m.Name}
	if st != nil {
		mr.Fingerprint = fingerprint(m, st, j.out)
		mr.Kept = st.Built[m.Name] != "" && st.Built[m.Name] == mr.Fingerprint && tableExists(ctx, db, m.Name)
	}
	var byPartition *partial
	if !mr.Kept && j.compare && m.Partition != nil && st.Built[m.Name] != "" && tableExists(ctx, db, m.Name) {
		var err error
		if byPartition, err = j.buildPartition(ctx, &mr); err != nil {
			return mr, nil, err
		}
	}
	table := m.Name
	switch {
	case mr.Kept:
		mr.Output, mr.Content = st.output(m.Name), st.Contents[m.Name]
	case byPartition != nil:
		mr.Output = mr.Fingerprint
		if mr.Unchanged {
			mr.Output = st.output(m.Name)
		}
	default:
		if j.staged {
			table = m.Name + StageSuffix
		}
		body := strings.TrimRight(strings.TrimSpace(j.rename(m.SQL)), ";")
		if _, err := db.ExecContext(ctx, fmt.Sprintf("CREATE OR REPLACE TABLE %s AS\n%s", table, body)); err != nil {
			return mr, nil, fmt.Errorf("building model %s (%s): %w", m.Name, m.Path, err)
		}
		mr.Output = mr.Fingerprint
	}
	if byPartition == nil { // a partitioned build counts its own rows
		if err := db.QueryRowContext(ctx, "SELECT count(*) FROM "+table).Scan(&mr.Rows); err != nil {
			return mr, nil, err
		}
	}
	// Worth comparing only where something reads the model, or it is
	// published (the publisher reuses an unchanged mart's files).
	if !mr.Kept && byPartition == nil && j.compare && st.Built[m.Name] != "" && (j.readers[m.Name] || strings.HasPrefix(m.Name, "mart.")) && tableExists(ctx, db, m.Name) {
		unchanged, content, err := sameContent(ctx, db, m.Name, table, mr.Rows, st.Contents[m.Name])
		if err != nil {
			return mr, nil, fmt.Errorf("comparing model %s with its last build: %w", m.Name, err)
		}
		mr.Content = content
		if unchanged {
			if _, err := db.ExecContext(ctx, "DROP TABLE "+table); err != nil {
				return mr, nil, err
			}
			mr.Unchanged, mr.Output = true, st.output(m.Name)
			if mr.Content == "" {
				mr.Content = st.Contents[m.Name]
			}
		}
	}
	mr.Seconds = time.Since(start).Seconds()
	return mr, byPartition, nil
}

// stagedNames rewrites a model's or check's SQL to read the staged tables
// of the models named, wherever it names them as schema.table. The SQL is
// edwh's own (embedded model and check files), and a name is replaced only
// as a whole word: stg.census, not stg.census_dates.
func stagedNames(models []string) func(string) string {
	if len(models) == 0 {
		return func(sql string) string { return sql }
	}
	names := make([]string, len(models))
	for i, m := range models {
		names[i] = regexp.QuoteMeta(m)
	}
	// Longest first, so that the alternation prefers the longer of two
	// names that share a start.
	sort.Slice(names, func(i, j int) bool { return len(names[i]) > len(names[j]) })
	re := regexp.MustCompile(`(?i)\b(` + strings.Join(names, "|") + `)\b`)
	return func(sql string) string { return re.ReplaceAllString(sql, "${1}"+StageSuffix) }
}

// Swap puts the staged tables of the models BuildStaged rebuilt in place of
// their tables, in db's transaction: a rename, whatever their size.
func (p *Project) Swap(ctx context.Context, db Execer, res *Result) error {
	for _, m := range res.Models {
		if m.Kept || m.Unchanged {
			continue
		}
		if m.Partial {
			// The old rows of the partitions rebuilt make way for the new.
			for _, q := range []string{
				"DROP VIEW " + m.Model + StageSuffix,
				fmt.Sprintf("DELETE FROM %s WHERE %s IN (SELECT k FROM %s WHERE k IS NOT NULL)", m.Model, quoteIdent(p.Model(m.Model).Partition.Output), m.Model+affectedSuffix),
				fmt.Sprintf("DELETE FROM %s WHERE %s IS NULL AND EXISTS (SELECT 1 FROM %s WHERE k IS NULL)", m.Model, quoteIdent(p.Model(m.Model).Partition.Output), m.Model+affectedSuffix),
				fmt.Sprintf("INSERT INTO %s SELECT * FROM %s", m.Model, m.Model+deltaSuffix),
			} {
				if _, err := db.ExecContext(ctx, q); err != nil {
					return fmt.Errorf("putting the partitions of model %s in place: %w", m.Model, err)
				}
			}
			if err := dropExisting(ctx, db, m.Model+inputSuffix, m.Model+deltaSuffix, m.Model+affectedSuffix); err != nil {
				return err
			}
			continue
		}
		_, table, _ := strings.Cut(m.Model, ".")
		for _, q := range []string{
			"DROP TABLE IF EXISTS " + m.Model,
			fmt.Sprintf("ALTER TABLE %s%s RENAME TO %s", m.Model, StageSuffix, quoteIdent(table)),
		} {
			if _, err := db.ExecContext(ctx, q); err != nil {
				return fmt.Errorf("putting model %s in place: %w", m.Model, err)
			}
		}
	}
	return nil
}

// DropStaged drops every staged table: those of a run that failed, or was
// killed before Swap.
func (p *Project) DropStaged(ctx context.Context, db Execer) error {
	var names []string
	for _, m := range p.Models {
		for _, s := range []string{StageSuffix, inputSuffix, deltaSuffix, affectedSuffix} {
			names = append(names, m.Name+s)
		}
	}
	return dropExisting(ctx, db, names...)
}

// dropExisting drops those of the named tables and views (schema.name)
// that exist, views first, since they read the tables. One look at the
// catalog finds them: a query per name cost 0.2 s a run on an LA's data,
// where there is usually nothing to drop.
func dropExisting(ctx context.Context, db Execer, names ...string) error {
	wanted := map[string]bool{}
	for _, n := range names {
		wanted[n] = true
	}
	var found string
	if err := db.QueryRowContext(ctx, `SELECT coalesce(string_agg(kind || ' ' || name, '|' ORDER BY kind DESC), '') FROM (
		SELECT 'VIEW' AS kind, schema_name || '.' || view_name AS name FROM duckdb_views() WHERE database_name = current_database() AND NOT internal AND view_name LIKE '%\_\_%' ESCAPE '\'
		UNION ALL
		SELECT 'TABLE', schema_name || '.' || table_name FROM duckdb_tables() WHERE database_name = current_database() AND table_name LIKE '%\_\_%' ESCAPE '\')`).Scan(&found); err != nil {
		return err
	}
	for _, f := range strings.Split(found, "|") {
		kind, name, ok := strings.Cut(f, " ")
		if !ok || !wanted[name] {
			continue
		}
		if _, err := db.ExecContext(ctx, "DROP "+kind+" IF EXISTS "+name); err != nil {
			return err
		}
	}
	return nil
}

// checkBatch is how many checks run as one query. A query per check cost
// more in planning and round trips than the counting itself on an LA's
// data (1.7 s of 7 for 250 checks); one query lets DuckDB plan them
// together.
const checkBatch = 64

// runChecks counts the failing rows of the checks at idx in one query, one
// column per check. If the query cannot run (a check's SQL is wrong), every
// check of the batch is marked "error" with the reason: the transaction is
// spoilt by then, and the run fails without publishing either way.
func runChecks(ctx context.Context, db Execer, checks []CheckResult, idx []int, rename func(string) string) error {
	cols := make([]string, len(idx))
	counts := make([]int64, len(idx))
	dest := make([]any, len(idx))
	for k, i := range idx {
		cols[k] = fmt.Sprintf("(SELECT count(*) FROM (%s\n) AS failing)", strings.TrimRight(strings.TrimSpace(rename(checks[i].Check.SQL)), ";"))
		dest[k] = &counts[k]
	}
	err := db.QueryRowContext(ctx, "SELECT "+strings.Join(cols, ",\n")).Scan(dest...)
	if err != nil && ctx.Err() != nil {
		return ctx.Err()
	}
	for k, i := range idx {
		cr := &checks[i]
		switch {
		case err != nil:
			cr.Status, cr.Err = "error", err
		case counts[k] > 0:
			cr.Status, cr.FailingRows = "fail", counts[k]
		default:
			cr.Status = "pass"
		}
	}
	return nil
}

// carried returns the previous result of a check that reads only models
// kept or rebuilt unchanged, and whose SQL is the same as then. Checks that
// may read anything (no Reads) and checks that errored last time are
// always run again.
func (st *State) carried(c *Check, same map[string]bool) (CheckResult, bool) {
	if st == nil || len(c.Reads) == 0 {
		return CheckResult{}, false
	}
	for _, m := range c.Reads {
		if !same[m] {
			return CheckResult{}, false
		}
	}
	prev, ok := st.Checks[c.Name]
	if !ok || prev.Status == "error" || prev.Fingerprint != c.Fingerprint() {
		return CheckResult{}, false
	}
	return CheckResult{Check: c, Status: prev.Status, FailingRows: prev.FailingRows, Carried: true, Fingerprint: prev.Fingerprint}, true
}

// tableExists reports whether schema.table exists.
func tableExists(ctx context.Context, db Execer, name string) bool {
	schema, table, _ := strings.Cut(name, ".")
	var n int
	err := db.QueryRowContext(ctx, `SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() AND schema_name = ? AND table_name = ? AND NOT temporary`, schema, table).Scan(&n)
	return err == nil && n == 1
}
