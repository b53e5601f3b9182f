package transforms

import (
	"context"
	"fmt"
	"math/big"
	"regexp"
	"strings"
)

// Partition is a model's "-- partition:" directive. It declares that the
// model's rows fall into partitions by a column of its input, and that a
// partition's rows are made from that partition's input rows alone (and the
// whole of any other input):
//
//	-- partition: census_date
//	-- partition: upn -> pupil_key = edwh_pupil_key(v)
//
// The first says that stg.census's rows for a census date come from
// raw.census's rows for that date, and carry it in their own census_date.
// The second that mart.pupils's rows for a UPN come from stg.census's rows
// for that UPN, and are found by pupil_key, which is edwh_pupil_key of the
// UPN (v stands for the input's value).
//
// When the only input of such a model that changed since the last run
// either only grew (State.Appended) or was itself rebuilt by partition,
// BuildStaged rebuilds only the partitions the changed rows fall in: the
// table is left as it is, the new rows of those partitions are built as
// <model>__delta, and <model>__build is a view of the table without those
// partitions plus the delta, which the models and checks after it read.
// Swap deletes the old partitions' rows and inserts the delta. The
// directive is a promise the SQL must keep (nothing can check it);
// pipeline.TestIncrementalRunMatchesFullRebuild holds edwh's own models to
// it by comparing a partitioned run with a full rebuild.
type Partition struct {
	Column string // the input's column whose values are the partitions
	Output string // the model's column that finds a partition's rows
	Key    string // SQL giving Output's value from v, the input's value
}

var (
	partitionRe = regexp.MustCompile(`^([a-z_][a-z0-9_]*)(?:\s*->\s*([a-z_][a-z0-9_]*)\s*=\s*(.+))?$`)
	identRe     = regexp.MustCompile(`^[a-z_][a-z0-9_]*$`)
)

func parsePartition(s string) (*Partition, error) {
	m := partitionRe.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return nil, fmt.Errorf("partition is 'column' or 'column -> output_column = expression of v', not %q", s)
	}
	p := &Partition{Column: m[1], Output: m[1], Key: "v"}
	if m[2] != "" {
		p.Output, p.Key = m[2], strings.TrimSpace(m[3])
	}
	return p, nil
}

// partial is a model rebuilt by partition in this run.
type partial struct {
	affected string // <model>__affected: v, the partitions' input values; k, their Output values
	delta    string // <model>__delta: the partitions' new rows
	output   string // the model's Output column
}

// Names of the tables and views of a partitioned build.
const (
	deltaSuffix    = "__delta"
	affectedSuffix = "__affected"
	inputSuffix    = "__input"
)

// IsStaged reports whether a table or view name is one a build makes
// beside a model's table (StageSuffix and a partitioned build's), which
// the next Swap or DropStaged removes: never a model's own table.
func IsStaged(name string) bool {
	for _, s := range []string{StageSuffix, inputSuffix, deltaSuffix, affectedSuffix} {
		if strings.HasSuffix(name, s) {
			return true
		}
	}
	return false
}

// buildPartition rebuilds model m by partition, if it can: it returns nil
// (and leaves nothing behind) when m must be rebuilt whole. On success it
// sets mr's Rows, Content, and Unchanged or Partial.
func (j *job) buildPartition(ctx context.Context, mr *ModelResult) (*partial, error) {
	m := j.m
	pt, st, db := m.Partition, j.st, j.db
	// Exactly one input changed, and nothing else: the fingerprint the
	// model would have with that input as it was is the one it was built
	// with.
	var changed string
	was := map[string]string{}
	for _, d := range m.Depends {
		now, then := st.Inputs[d], st.LastInputs[d] // a raw or ops table
		if out, ok := j.out[d]; ok {                // a model
			now, then = out, st.output(d)
		}
		if now == then && then != "" {
			continue
		}
		if changed != "" {
			return nil, nil
		}
		changed, was[d] = d, then
	}
	if changed == "" || was[changed] == "" {
		return nil, nil
	}
	if fingerprintWith(m, st, j.out, was) != st.Built[m.Name] {
		return nil, nil
	}
	col := quoteIdent(pt.Column)
	var rows string // the changed input's rows, old and new, that changed
	current := changed
	if px := j.partials[changed]; px != nil {
		rows = fmt.Sprintf("SELECT %s AS v FROM %s UNION ALL SELECT x.%s FROM %s x SEMI JOIN %s a ON x.%s IS NOT DISTINCT FROM a.k",
			col, px.delta, col, changed, px.affected, quoteIdent(px.output))
		current = changed + StageSuffix
	} else if added, ok := st.Appended[changed]; ok && j.p.Model(changed) == nil {
		rows = fmt.Sprintf("SELECT %s AS v FROM %s WHERE %s", col, changed, added)
	} else {
		return nil, nil
	}
	p := &partial{affected: m.Name + affectedSuffix, delta: m.Name + deltaSuffix, output: pt.Output}
	input := m.Name + inputSuffix
	out := quoteIdent(pt.Output)
	body := strings.TrimRight(strings.TrimSpace(m.SQL), ";")
	body = regexp.MustCompile(`(?i)\b`+regexp.QuoteMeta(changed)+`\b`).ReplaceAllString(body, input)
	for _, q := range []string{
		fmt.Sprintf("CREATE OR REPLACE TABLE %s AS SELECT DISTINCT v, %s AS k FROM (%s)", p.affected, pt.Key, rows),
		fmt.Sprintf("CREATE OR REPLACE VIEW %s AS SELECT x.* FROM %s x SEMI JOIN %s a ON x.%s IS NOT DISTINCT FROM a.v", input, current, p.affected, col),
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			return nil, fmt.Errorf("building model %s (%s) by partition: %w", m.Name, m.Path, err)
		}
	}
	// Where the partitions hold most of the input (a re-issue of a whole
	// census date), building them costs more than building the model whole
	// and comparing it.
	var part, all int64
	if err := db.QueryRowContext(ctx, fmt.Sprintf("SELECT (SELECT count(*) FROM %s), (SELECT count(*) FROM %s)", input, current)).Scan(&part, &all); err != nil {
		return nil, err
	}
	if 2*part > all {
		return nil, j.dropPartition(ctx, m.Name)
	}
	if _, err := db.ExecContext(ctx, fmt.Sprintf("CREATE OR REPLACE TABLE %s AS\n%s", p.delta, j.rename(body))); err != nil {
		return nil, fmt.Errorf("building model %s (%s) by partition: %w", m.Name, m.Path, err)
	}
	// The partitions' rows as they were, against the delta.
	oldPart := fmt.Sprintf("(SELECT x.* FROM %s x SEMI JOIN %s a ON x.%s IS NOT DISTINCT FROM a.k)", m.Name, p.affected, out)
	oldN, oldSum, err := countAndSum(ctx, db, oldPart)
	if err != nil {
		return nil, err
	}
	newN, newSum, err := countAndSum(ctx, db, p.delta)
	if err != nil {
		return nil, err
	}
	cols, err := columnsOf(ctx, db, m.Name)
	if err != nil {
		return nil, err
	}
	if dcols, err := columnsOf(ctx, db, p.delta); err != nil || dcols != cols {
		// Not the table's columns: the SQL broke its promise, or the
		// table is not what the fingerprints say. Build it whole.
		if derr := j.dropPartition(ctx, m.Name); err == nil {
			err = derr
		}
		return nil, err
	}
	var total int64
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM "+m.Name).Scan(&total); err != nil {
		return nil, err
	}
	mr.Rows = total - oldN + newN
	// The table's Content follows from the last one: the sum of row
	// hashes is a sum, so the old partitions' part is taken off and the
	// delta's added.
	if lastRows, lastCols, lastSum, ok := parseContent(st.Contents[m.Name]); ok && lastRows == total && lastCols == cols {
		s, ok1 := new(big.Int).SetString(lastSum, 10)
		o, ok2 := new(big.Int).SetString(oldSum, 10)
		n, ok3 := new(big.Int).SetString(newSum, 10)
		if ok1 && ok2 && ok3 {
			mr.Content = content(mr.Rows, cols, s.Sub(s, o).Add(s, n).String())
		}
	}
	if oldN == newN && oldSum == newSum {
		mr.Unchanged = true
		if mr.Content == "" {
			mr.Content = st.Contents[m.Name]
		}
		return p, j.dropPartition(ctx, m.Name)
	}
	q := fmt.Sprintf("CREATE OR REPLACE VIEW %s AS SELECT x.* FROM %s x ANTI JOIN %s a ON x.%s IS NOT DISTINCT FROM a.k UNION ALL SELECT * FROM %s",
		m.Name+StageSuffix, m.Name, p.affected, out, p.delta)
	if _, err := db.ExecContext(ctx, q); err != nil {
		return nil, err
	}
	mr.Partial = true
	return p, nil
}

// dropPartition drops what a partitioned build of model left.
func (j *job) dropPartition(ctx context.Context, model string) error {
	return dropExisting(ctx, j.db, model+StageSuffix, model+inputSuffix, model+deltaSuffix, model+affectedSuffix)
}
