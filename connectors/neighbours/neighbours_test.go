package neighbours_test

import (
	"database/sql"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/edwh/edwh/connectors"
	"github.com/edwh/edwh/connectors/conntest"
	"github.com/edwh/edwh/connectors/neighbours"
)

// The real workbook loads below its title rows, its ten "SNP" columns
// mapped by position. Its one quarantined row is the "Old SNs:" section
// title, which is not an LA.
func TestLoadRealWorkbook(t *testing.T) {
	f := conntest.RealFile(t, "statistical-neighbours/sn_april_2021.xlsx", "neighbours/sn_april_2021.xlsx")
	conn, ctx := conntest.DB(t)
	res := conntest.Load(t, ctx, conn, neighbours.Source, f)
	if res.HeaderLine != 3 || res.RowsLoaded != 158 || res.RowsQuarantined != 1 || res.ValuesNulled != 0 {
		t.Fatalf("header %d loaded %d quarantined %d nulled %d: %+v", res.HeaderLine, res.RowsLoaded, res.RowsQuarantined,
			res.ValuesNulled, conntest.Problems(t, ctx, conn, res.LoadID))
	}
	q := conntest.Problems(t, ctx, conn, res.LoadID)
	if len(q) != 2 || q[0].Line != 159 || q[1].Line != 159 || !strings.Contains(q[0].Reason+q[1].Reason, "not an LA row") {
		t.Errorf("quarantine %+v, want the 'Old SNs:' title at row 159, said not to be an LA", q)
	}
	tests := []struct {
		name, query, want string
	}{
		{"Portsmouth's neighbours, nearest first", `SELECT concat_ws(',', sn1, sn2, sn3, sn4, sn5, sn6, sn7, sn8, sn9, sn10) FROM raw.neighbours WHERE la = 851`,
			"852,879,373,831,874,801,894,882,331,355"},
		{"closeness from the repeated SNP columns", `SELECT sn1_closeness || '|' || sn7_closeness || '|' || sn10_closeness FROM raw.neighbours WHERE la = 851`,
			"Very Close|Close|Close"},
		{"an LA with no neighbours yet", `SELECT sn1 || sn10 FROM raw.neighbours WHERE la = 942`, "--"},
		{"LAs since reorganised, from the Old SNs section", `SELECT string_agg(CAST(la AS VARCHAR), ',' ORDER BY _line) FROM raw.neighbours WHERE _line > 159`,
			"835,836,837,928"},
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

// A repeated header maps by position only to fields that ask for it; a
// header repeated once too often is still refused.
func TestRepeatedHeaders(t *testing.T) {
	header := []any{"LA num", "LA Name", "LA number", "GOInd", "GOReg"}
	row := []any{851, "Portsmouth", 851, 6, "South East"}
	for i := 1; i <= neighbours.Neighbours; i++ {
		header = append(header, "SN"+itoa(i), "SNP")
		row = append(row, 800+i, "Close")
	}
	tests := []struct {
		name   string
		header []any
		status string
	}{
		{"ten SNP columns", header, connectors.StatusLoaded},
		{"an eleventh SNP column", append(append([]any{}, header...), "SNP"), connectors.StatusLoaded},
		{"two LA Name columns", append(append([]any{}, header...), "LA Name"), connectors.StatusRefused},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x := excelize.NewFile()
			s := x.GetSheetName(0)
			x.SetSheetRow(s, "A1", &[]any{"Statistical neighbours"})
			x.SetSheetRow(s, "A3", &tt.header)
			x.SetSheetRow(s, "A4", &row)
			p := filepath.Join(t.TempDir(), "sn.xlsx")
			if err := x.SaveAs(p); err != nil {
				t.Fatal(err)
			}
			st, _ := os.Stat(p)
			conn, ctx := conntest.DB(t)
			l := &connectors.Loader{Source: neighbours.Source, TempDir: t.TempDir()}
			res, err := l.Load(ctx, conn, 1, connectors.File{Path: p, Rel: "neighbours/sn.xlsx", Size: st.Size()})
			if err != nil {
				t.Fatal(err)
			}
			if res.Status != tt.status {
				t.Fatalf("status %s (%v)", res.Status, res.Refused)
			}
			if res.Status != connectors.StatusLoaded {
				return
			}
			var got string
			conn.QueryRowContext(ctx, `SELECT sn10 || ' ' || sn10_closeness FROM raw.neighbours`).Scan(&got)
			if got != "810 Close" {
				t.Errorf("sn10 %q", got)
			}
		})
	}
}

func itoa(i int) string { return strconv.Itoa(i) }
