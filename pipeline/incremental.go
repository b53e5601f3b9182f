package pipeline

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"fmt"
	"io/fs"
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
		Outputs: map[string]string{}, Contents: map[string]string{}}

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
			q = "SELECT CAST(count(*) AS VARCHAR) || ':' || CAST(coalesce(sum(hash(_load_id)), 0) AS VARCHAR) FROM " + ident
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
	var global sql.NullString
	if err := tx.QueryRowContext(ctx, `SELECT transform_global FROM ops.runs WHERE run_id = ?`, last.Int64).Scan(&global); err != nil && err != sql.ErrNoRows {
		return nil, err
	}
	st.LastGlobal = global.String
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
