package perfabs_test

import (
	"database/sql"
	"testing"

	"github.com/edwh/edwh/connectors/conntest"
	"github.com/edwh/edwh/connectors/perfabs"
)

// The real absence file of the 2018-19 performance tables loads whole:
// school rows, SUPP markers and the three national rows at the end.
func TestLoadRealAbsence(t *testing.T) {
	f := conntest.RealFile(t, "performance-tables-2018-19/england_abs.csv", "perf_abs/performance-tables-2018-19/england_abs.csv")
	conn, ctx := conntest.DB(t)
	res := conntest.Load(t, ctx, conn, perfabs.Source, f)
	if res.RowsRead != 21217 || res.RowsQuarantined != 0 || res.ValuesNulled != 0 || res.TimePeriod != 201819 {
		t.Fatalf("read %d quarantined %d nulled %d year %d: %+v", res.RowsRead, res.RowsQuarantined, res.ValuesNulled,
			res.TimePeriod, conntest.Problems(t, ctx, conn, res.LoadID))
	}
	tests := []struct {
		name, query, want string
	}{
		{"school rows", `SELECT count(*) FROM raw.perf_abs WHERE urn IS NOT NULL`, "21214"},
		{"national rows by phase", `SELECT string_agg(estab_text || ':' || overall_absence_pct || '/' || persistent_absence_pct, ' ' ORDER BY estab_text)
			FROM raw.perf_abs WHERE la_text = 'NAT'`, "PRI:4.0/8.2 SEC:5.5/13.7 SPE:10.1/28.8"},
		{"SUPP kept as a marker", `SELECT count(*) FILTER (WHERE overall_absence_pct_status = 'SUPP') + count(*) FILTER (WHERE persistent_absence_pct_status = 'SUPP')
			FROM raw.perf_abs`, "864"},
		{"a school's figures", `SELECT overall_absence_pct || '/' || persistent_absence_pct FROM raw.perf_abs WHERE urn = 100000`, "2.6/3.4"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got sql.NullString
			if err := conn.QueryRowContext(ctx, tt.query).Scan(&got); err != nil {
				t.Fatal(err)
			}
			if got.String != tt.want {
				t.Errorf("got %q, want %q", got.String, tt.want)
			}
		})
	}
}
