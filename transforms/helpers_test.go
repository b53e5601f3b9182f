package transforms_test

import (
	"context"
	"database/sql"
	"testing"

	"github.com/edwh/edwh/pipeline/warehouse"
	"github.com/edwh/edwh/transforms"
)

// memDB opens an in-memory warehouse on one connection (staged builds and
// their swap must see each other's tables) and runs setup on it.
func memDB(t *testing.T, setup ...string) *sql.DB {
	t.Helper()
	db, err := warehouse.Open("", warehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	db.SetMaxOpenConns(1)
	for _, s := range setup {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	return db
}

// nextState is a State for the run after last, as the pipeline makes it:
// last's fingerprints, outputs, contents and check results, with the given
// inputs and global.
func nextState(last *transforms.Result, inputs map[string]string, global, lastGlobal string) *transforms.State {
	st := &transforms.State{Inputs: inputs, Global: global, LastGlobal: lastGlobal, Appended: map[string]string{},
		Built: map[string]string{}, Outputs: map[string]string{}, Contents: map[string]string{}, Checks: map[string]transforms.CheckResult{}}
	if last != nil {
		for _, m := range last.Models {
			st.Built[m.Model], st.Outputs[m.Model], st.Contents[m.Model] = m.Fingerprint, m.Output, m.Content
		}
		for _, c := range last.Checks {
			st.Checks[c.Check.Name] = c
		}
	}
	return st
}

// swapIn puts a staged build's tables in place in one transaction.
func swapIn(t *testing.T, db *sql.DB, p *transforms.Project, res *transforms.Result) {
	t.Helper()
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Swap(context.Background(), tx, res); err != nil {
		tx.Rollback()
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}
