package loadtest_test

import (
	"testing"

	"github.com/edwh/edwh/connectors/internal/loadtest"
)

// The fixture UPNs are valid by edwh's own SQL check.
func TestUPNs(t *testing.T) {
	db := loadtest.Open(t)
	named := []string{loadtest.UPN1, loadtest.UPN2, loadtest.UPN3, loadtest.UPN4, loadtest.UPN5,
		loadtest.UPN6, loadtest.UPN7, loadtest.UPN8, loadtest.UPNTemp}
	for n := 0; n < 1000; n += 7 {
		named = append(named, loadtest.UPN(n))
	}
	seen := map[string]bool{}
	for _, u := range named {
		if seen[u] {
			t.Errorf("%s twice", u)
		}
		seen[u] = true
		if p := db.String(`SELECT edwh_upn_problem(?)`, u); p != "NULL" {
			t.Errorf("%s: %s", u, p)
		}
	}
	if p := db.String(`SELECT edwh_upn_problem(?)`, loadtest.BadUPN); p != "UPN check letter is wrong" {
		t.Errorf("BadUPN: %s", p)
	}
}
