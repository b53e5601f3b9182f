package perfks2_test

import (
	"database/sql"
	"fmt"
	"strings"
	"testing"

	"github.com/edwh/edwh/connectors/conntest"
	"github.com/edwh/edwh/connectors/perfks2"
)

// Hampshire's KS2 files for three years load whole, though their column
// sets differ (290, 326 and 318 columns): the differences are reported as
// schema changes, every column is kept, and the staged measures read the
// same way each year.
func TestLoadRealHampshireThreeYears(t *testing.T) {
	conn, ctx := conntest.DB(t)
	years := []struct {
		file           string
		year           int
		rows           int64
		short          int // rows DfE wrote with their trailing blanks left off
		added, removed int // columns compared with the year before
	}{
		{"2016-850-ks2.csv", 201617, 331, 18, 0, 0},
		{"2017-850-ks2.csv", 201718, 331, 4, 36, 0},
		{"2018-850-ks2.csv", 201819, 334, 5, 28, 36},
	}
	for _, y := range years {
		f := conntest.RealFile(t, "ks2final-hampshire-850/"+y.file, "perf_ks2/"+y.file)
		res := conntest.Load(t, ctx, conn, perfks2.Source, f)
		if res.RowsRead != y.rows || res.RowsQuarantined != 0 || res.TimePeriod != y.year {
			t.Fatalf("%s: read %d quarantined %d year %d: %+v", y.file, res.RowsRead, res.RowsQuarantined, res.TimePeriod,
				conntest.Problems(t, ctx, conn, res.LoadID))
		}
		if res.ValuesNulled != 0 {
			t.Errorf("%s: %d values nulled: %+v", y.file, res.ValuesNulled, conntest.Problems(t, ctx, conn, res.LoadID))
		}
		if want := fmt.Sprintf("%d rows have fewer values than the header", y.short); !strings.Contains(strings.Join(res.Notes, "; "), want) {
			t.Errorf("%s: notes %q do not say %q", y.file, res.Notes, want)
		}
		sc := res.SchemaChange
		switch {
		case y.added+y.removed == 0 && sc != nil:
			t.Errorf("%s: unexpected schema change %s", y.file, sc)
		case y.added+y.removed > 0 && sc == nil:
			t.Errorf("%s: schema change not reported", y.file)
		case sc != nil && (len(sc.Added) != y.added || len(sc.Removed) != y.removed):
			t.Errorf("%s: %d added %d removed, want %d %d", y.file, len(sc.Added), len(sc.Removed), y.added, y.removed)
		}
		var msg string
		conn.QueryRowContext(ctx, `SELECT coalesce(message, '') FROM ops.loads WHERE load_id = ?`, res.LoadID).Scan(&msg)
		if y.added > 0 && !strings.Contains(msg, "schema change since perf_ks2/") {
			t.Errorf("%s: ops.loads message %q", y.file, msg)
		}
	}

	tests := []struct {
		name  string
		query string
		want  string
	}{
		{"record types each year", `SELECT string_agg(time_period || ':' || rectype || ':' || n, ' ' ORDER BY time_period, rectype) FROM (
			SELECT time_period, rectype, count(*) n FROM raw.perf_ks2 GROUP BY ALL)`,
			"201617:1:313 201617:2:15 201617:3:1 201617:4:1 201617:5:1 " +
				"201718:1:312 201718:2:16 201718:3:1 201718:4:1 201718:5:1 " +
				"201819:1:315 201819:2:16 201819:3:1 201819:4:1 201819:5:1"},
		{"Hampshire's RWM expected, disadvantaged and other, by year", `SELECT string_agg(time_period || ':' || rwm_expected_pct || '/' || rwm_expected_disadv_pct || '/' || rwm_expected_other_pct, ' ' ORDER BY time_period)
			FROM raw.perf_ks2 WHERE rectype = 3 AND la = 850`, "201617:66.0/47.0/71.0 201718:68.0/49.0/73.0 201819:68.0/49.0/73.0"},
		{"the LA row is named", `SELECT DISTINCT school_name FROM raw.perf_ks2 WHERE rectype = 3`, "Hampshire"},
		{"schema changes recorded", `SELECT string_agg(path || ':' || change || ':' || n, ' ' ORDER BY path, change) FROM (
			SELECT path, change, count(*) n FROM ops.schema_changes GROUP BY ALL)`,
			"perf_ks2/2017-850-ks2.csv:added:36 perf_ks2/2018-850-ks2.csv:added:28 perf_ks2/2018-850-ks2.csv:removed:36"},
		{"a column new in 2018/19 is kept", `SELECT count(pcon_code) FILTER (WHERE time_period = 201819) > 300 AND count(pcon_code) FILTER (WHERE time_period < 201819) = 0
			FROM raw.perf_ks2 JOIN raw.perf_ks2_wide USING (_load_id, _line)`, "true"},
		{"a column dropped after 2017/18 is kept for the years that had it", `SELECT count(psenelse) FILTER (WHERE time_period = 201819) = 0 AND count(psenelse) FILTER (WHERE time_period = 201718) > 300
			FROM raw.perf_ks2 JOIN raw.perf_ks2_wide USING (_load_id, _line)`, "true"},
		{"the wide table has the union of the columns", `SELECT count(*) FROM duckdb_columns() WHERE schema_name = 'raw' AND table_name = 'perf_ks2_wide'`,
			"357"},
		{"SUPP is a marker, not a zero", `SELECT count(*) > 0 AND count(*) FILTER (WHERE rwm_expected_disadv IS NOT NULL) = 0
			FROM (SELECT rwm_expected_disadv_pct AS rwm_expected_disadv FROM raw.perf_ks2 WHERE rwm_expected_disadv_pct_status = 'SUPP')`, "true"},
		{"single-space cells are blanks", `SELECT count(*) > 0 FROM raw.perf_ks2 WHERE rectype = 4 AND rwm_expected_pct IS NOT NULL`, "true"},
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
