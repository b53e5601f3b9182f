package pipeline

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/json"
	"fmt"
	"io/fs"
	"math/big"
	"strconv"
	"strings"

	edwhsql "github.com/edwh/edwh/sql"
	"github.com/edwh/edwh/transforms"
)

// incrementalState describes what the last committed transform built, so
// that this run rebuilds only the models downstream of something that
// changed (see transforms.State). It runs inside the transform transaction,
// after the programme settings are written, so it sees what the models will
// read.
//
// What a model reads besides other models is fingerprinted here:
//   - raw.<table>: its row count and the sum of the hashes of its rows'
//     load ids. Raw rows change only by loads (and by removing a load's
//     quarantined rows), so any new, removed or superseded file changes it.
//   - ops.<table>: its whole content (these are small settings tables).
//   - Global: the LA, the key's fingerprint, every parameter, and the
//     macros every model may call.
func incrementalState(ctx context.Context, tx *sql.Tx, p *transforms.Project, c *Config, s Secret) (*transforms.State, error) {
	st := &transforms.State{Inputs: map[string]string{}, Built: map[string]string{}, Checks: map[string]transforms.CheckResult{},
		Outputs: map[string]string{}, Contents: map[string]string{}, Appended: map[string]string{}}

	g := sha256.New()
	fmt.Fprintf(g, "la %d key %s\n", c.LACode, s.Fingerprint())
	writeParams(g, c)
	if b, err := fs.ReadFile(edwhsql.FS, "macros.sql"); err == nil {
		fmt.Fprintf(g, "macros %x\n", sha256.Sum256(b))
	}
	st.Global = fmt.Sprintf("%x", g.Sum(nil))

	inputs := map[string]bool{}
	for _, m := range p.Models {
		for _, d := range m.Depends {
			if p.Model(d) == nil {
				inputs[d] = true
			}
		}
	}
	for _, name := range sortedKeys(inputs) {
		schema, table, _ := strings.Cut(name, ".")
		// The names come from edwh's own model headers, checked against
		// the tables DuckDB says each model reads; quoted all the same.
		ident := quoteIdent(schema) + "." + quoteIdent(table)
		var q string
		switch schema {
		case "raw":
			// The largest load id lets the next run find the rows added
			// since (Appended, below).
			q = "SELECT CAST(count(*) AS VARCHAR) || ':' || CAST(coalesce(sum(hash(_load_id)), 0) AS VARCHAR) || ':' || CAST(coalesce(max(_load_id), 0) AS VARCHAR) FROM " + ident
		case "ops":
			q = "SELECT md5(coalesce(string_agg(CAST(t AS VARCHAR), '|' ORDER BY CAST(t AS VARCHAR)), '')) FROM " + ident + " t"
		default:
			continue
		}
		var v string
		if err := tx.QueryRowContext(ctx, q).Scan(&v); err != nil {
			// A table that cannot be read is left out of Inputs, which
			// makes every model reading it rebuild.
			continue
		}
		st.Inputs[name] = v
	}

	// The last committed transform: its models' fingerprints and its checks.
	var last sql.NullInt64
	if err := tx.QueryRowContext(ctx, `SELECT max(run_id) FROM ops.models`).Scan(&last); err != nil {
		return nil, err
	}
	if !last.Valid {
		return st, nil
	}
	var global, lastInputs sql.NullString
	if err := tx.QueryRowContext(ctx, `SELECT transform_global, transform_inputs FROM ops.runs WHERE run_id = ?`, last.Int64).Scan(&global, &lastInputs); err != nil && err != sql.ErrNoRows {
		return nil, err
	}
	st.LastGlobal = global.String
	if lastInputs.Valid && json.Unmarshal([]byte(lastInputs.String), &st.LastInputs) == nil {
		if err := appended(ctx, tx, st); err != nil {
			return nil, err
		}
	}
	rows, err := tx.QueryContext(ctx, `SELECT model, fingerprint, coalesce(output, ''), coalesce(content, '')
		FROM ops.models WHERE run_id = ? AND fingerprint IS NOT NULL`, last.Int64)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var m, f, o, cont string
		if err := rows.Scan(&m, &f, &o, &cont); err != nil {
			rows.Close()
			return nil, err
		}
		st.Built[m] = f
		if o != "" {
			st.Outputs[m] = o
		}
		if cont != "" {
			st.Contents[m] = cont
		}
	}
	rows.Close()
	rows, err = tx.QueryContext(ctx, `SELECT "check", status, coalesce(failing_rows, 0), coalesce(fingerprint, '') FROM ops.checks WHERE run_id = ?`, last.Int64)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		var cr transforms.CheckResult
		if err := rows.Scan(&name, &cr.Status, &cr.FailingRows, &cr.Fingerprint); err != nil {
			return nil, err
		}
		st.Checks[name] = cr
	}
	return st, rows.Err()
}

// appended finds the raw inputs that only grew since the last run: rows
// are added to a raw table only by loads, with load ids that only go up,
// so a table grew only if the rows with a load id above the last run's
// largest account for the whole change of its row count and load id hash
// sum. For those, Appended selects the new rows.
func appended(ctx context.Context, tx *sql.Tx, st *transforms.State) error {
	for name, now := range st.Inputs {
		then := st.LastInputs[name]
		if !strings.HasPrefix(name, "raw.") || then == "" || then == now {
			continue
		}
		t, ok1 := parseRawFingerprint(then)
		n, ok2 := parseRawFingerprint(now)
		if !ok1 || !ok2 {
			continue
		}
		schema, table, _ := strings.Cut(name, ".")
		var count int64
		var sum string
		q := "SELECT count(*), CAST(coalesce(sum(hash(_load_id)), 0) AS VARCHAR) FROM " + quoteIdent(schema) + "." + quoteIdent(table) + " WHERE _load_id > ?"
		if err := tx.QueryRowContext(ctx, q, t.maxLoad).Scan(&count, &sum); err != nil {
			return err
		}
		added, ok := new(big.Int).SetString(sum, 10)
		if !ok || t.rows+count != n.rows || new(big.Int).Add(t.sum, added).Cmp(n.sum) != 0 {
			continue // rows went as well as came: rebuilt whole
		}
		st.Appended[name] = fmt.Sprintf("_load_id > %d", t.maxLoad)
	}
	return nil
}

type rawFingerprint struct {
	rows    int64
	sum     *big.Int
	maxLoad int64
}

// parseRawFingerprint reads "rows:sum of load id hashes:largest load id".
func parseRawFingerprint(s string) (rawFingerprint, bool) {
	parts := strings.Split(s, ":")
	if len(parts) != 3 {
		return rawFingerprint{}, false
	}
	rows, err1 := strconv.ParseInt(parts[0], 10, 64)
	sum, ok := new(big.Int).SetString(parts[1], 10)
	maxLoad, err2 := strconv.ParseInt(parts[2], 10, 64)
	return rawFingerprint{rows, sum, maxLoad}, err1 == nil && ok && err2 == nil
}
