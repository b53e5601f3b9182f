package lacodes_test

import (
	"testing"

	"github.com/edwh/edwh/connectors/conntest"
	"github.com/edwh/edwh/connectors/lacodes"
)

// Both real code lists load whole: the LA Interactive Tool's workbook and
// the performance tables' LA and region codes.
func TestLoadRealCodeLists(t *testing.T) {
	tests := []struct {
		name, file string
		rows       int64
		code       int
		wantName   string
		wantRegion string
	}{
		{"LAIT workbook", "statistical-neighbours/la_code_list.xlsx", 171, 851, "Portsmouth", "South East"},
		{"performance tables codes", "performance-tables-2018-19/la_and_region_codes_meta.csv", 151, 851, "Portsmouth", "South East B"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			conn, ctx := conntest.DB(t)
			res := conntest.Load(t, ctx, conn, lacodes.Source, conntest.RealFile(t, tt.file, "la_codes/x"))
			if res.RowsRead != tt.rows || res.RowsQuarantined != 0 || res.ValuesNulled != 0 {
				t.Fatalf("read %d quarantined %d nulled %d: %+v", res.RowsRead, res.RowsQuarantined, res.ValuesNulled,
					conntest.Problems(t, ctx, conn, res.LoadID))
			}
			var name, region string
			if err := conn.QueryRowContext(ctx, `SELECT la_name, coalesce(region_name, region) FROM raw.la_codes WHERE la = ?`, tt.code).Scan(&name, &region); err != nil {
				t.Fatal(err)
			}
			if name != tt.wantName || region != tt.wantRegion {
				t.Errorf("%d is %q in %q", tt.code, name, region)
			}
		})
	}
}
