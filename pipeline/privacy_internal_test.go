package pipeline

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/edwh/edwh/connectors/conntest"
)

// privacyScan is the last gate before publish/: it must refuse a snapshot
// holding a UPN anywhere in a text value, or a column named like an
// identifier, with ErrPrivacy (so a run fails and publishes nothing), and
// let a clean snapshot through. Each case plants one thing in an otherwise
// clean snapshot.
func TestPrivacyScanRefusesIdentifiers(t *testing.T) {
	conn, ctx := conntest.DB(t)
	clean := `CREATE TABLE edwh_snapshot.main.schools AS SELECT * FROM (VALUES (100001, 'Hill Primary', 'pk0001')) t(urn, school_name, pupil_key)`
	for _, tc := range []struct {
		name, plant string
		refused     bool
		says        string
	}{
		{"clean", "", false, ""},
		{"UPN in a text column", `CREATE TABLE edwh_snapshot.main.notes AS SELECT 'moved from B801200005001 in May' AS message`, true, "notes.message"},
		// Each table's text columns are scanned in one query: the column
		// named must be the one holding the UPN.
		{"UPN in the second of two text columns", `CREATE TABLE edwh_snapshot.main.notes AS SELECT 'Hill Primary' AS school, 42 AS n, 'from B801200005001' AS reason`, true, "1 values of notes.reason"},
		{"temporary UPN", `CREATE TABLE edwh_snapshot.main.notes AS SELECT 'A80120000500T' AS message`, true, "look like UPNs"},
		{"upn column", `CREATE TABLE edwh_snapshot.main.extra AS SELECT 1 AS UPN`, true, "column UPN"},
		{"date of birth column", `CREATE TABLE edwh_snapshot.main.extra AS SELECT DATE '2010-01-01' AS dob`, true, "column dob"},
		{"postcode column", `CREATE TABLE edwh_snapshot.main.extra AS SELECT 'LS14 6QT' AS postcode`, true, "column postcode"},
		{"surname column", `CREATE TABLE edwh_snapshot.main.extra AS SELECT 'Smith' AS Surname`, true, "column Surname"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "snap.duckdb")
			if _, err := conn.ExecContext(ctx, "ATTACH "+sqlString(path)+" AS edwh_snapshot"); err != nil {
				t.Fatal(err)
			}
			defer conn.ExecContext(ctx, "DETACH edwh_snapshot")
			for _, q := range []string{clean, tc.plant} {
				if q == "" {
					continue
				}
				if _, err := conn.ExecContext(ctx, q); err != nil {
					t.Fatal(err)
				}
			}
			err := privacyScan(ctx, conn, "edwh_snapshot", "main", nil)
			switch {
			case !tc.refused && err != nil:
				t.Errorf("clean snapshot refused: %v", err)
			case tc.refused && !errors.Is(err, ErrPrivacy):
				t.Errorf("err %v, want ErrPrivacy", err)
			case tc.refused && !strings.Contains(err.Error(), tc.says):
				t.Errorf("err %q does not say %q", err, tc.says)
			}
			// The refusal names the table and column, never the value.
			if err != nil && strings.Contains(err.Error(), "801200005") {
				t.Errorf("err %q prints the UPN", err)
			}
		})
	}
}
