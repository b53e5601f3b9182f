package establishments_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/edwh/edwh/connectors"
	"github.com/edwh/edwh/connectors/conntest"
	"github.com/edwh/edwh/connectors/establishments"
)

// The performance tables spine and school information files load as the
// schools reference: they carry MINORGROUP beside NFTYPE or SCHOOLTYPE.
func TestLoadPerformanceTablesSpine(t *testing.T) {
	tests := []struct {
		name, body string
		wantType   string
	}{
		{"2019 spine (header as in 815_spine.csv)",
			"URN,LA,ESTAB,LAESTAB,SCHNAME,OTHERSCHNAME,STREET,LOCALITY,ADDRESS3,TOWN,POSTCODE,TELNUM,ICLOSE,OPENDATE,CLOSEDATE,ISNEW,MINORGROUP,NFTYPE,OTHERNFTYPE,ISPRIMARY,ISSECONDARY,ISPOST16,AGEL,AGEH,GENDER,SIXFGENDER,RELDENOM,ADMPOL,OTHERURN,NEWACFLAG,RE-BROKERED\n" +
				"121000,815,2000,8152000,Alpha Primary School,,1 Road,,,Town,YO1 1AA,01234,0,,,0,Maintained school,CY,,1,0,0,4,11,Mixed,,None,NA,,0,\n",
			"CY"},
		{"school information (2019-20 on)",
			"URN,LANAME,LA,ESTAB,LAESTAB,SCHNAME,STREET,LOCALITY,ADDRESS3,TOWN,POSTCODE,SCHSTATUS,OPENDATE,CLOSEDATE,MINORGROUP,SCHOOLTYPE,ISPRIMARY,ISSECONDARY,ISPOST16,AGELOW,AGEHIGH,GENDER,RELCHAR,ADMPOL\n" +
				"121000,North Yorkshire,815,2000,8152000,Alpha Primary School,1 Road,,,Town,YO1 1AA,Open,01/09/2018,,Maintained school,Community school,1,0,0,4,11,Mixed,None,NA\n",
			"Community school"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "815_spine.csv")
			if err := os.WriteFile(p, []byte(tt.body), 0o644); err != nil {
				t.Fatal(err)
			}
			conn, ctx := conntest.DB(t)
			res := conntest.Load(t, ctx, conn, establishments.Source, connectors.File{Path: p, Rel: "establishments/815_spine.csv"})
			if res.RowsLoaded != 1 || res.RowsQuarantined != 0 {
				t.Fatalf("loaded %d quarantined %d: %+v", res.RowsLoaded, res.RowsQuarantined, conntest.Problems(t, ctx, conn, res.LoadID))
			}
			var typ, group string
			var laestab int
			conn.QueryRowContext(ctx, `SELECT type, minor_group, laestab FROM raw.establishments`).Scan(&typ, &group, &laestab)
			if typ != tt.wantType || group != "Maintained school" || laestab != 8152000 {
				t.Errorf("type %q group %q laestab %d", typ, group, laestab)
			}
		})
	}
}
