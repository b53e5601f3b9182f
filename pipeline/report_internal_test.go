package pipeline

import (
	"strings"
	"testing"

	"github.com/edwh/edwh/connectors/conntest"
)

// A query of the report that fails fails the report, saying which: before,
// the neighbour and dot-plot queries' errors were dropped, and the report
// came out without the neighbours marked or without the charts, looking
// complete.
func TestReportFailsWhenARankingsQueryFails(t *testing.T) {
	conn, ctx := conntest.DB(t)
	for _, q := range []string{
		"CREATE SCHEMA IF NOT EXISTS mart",
		"CREATE SCHEMA IF NOT EXISTS stg",
		`CREATE TABLE mart.rankings AS SELECT * FROM (VALUES
			('la', '851', 851, 'Portsmouth', 'p8', 'Progress 8', 'score', 'perf_ks4', '2018/19', 201819, true, -0.41::DOUBLE, 146, 150, 10, 11, NULL::BIGINT),
			('la', '852', 852, 'Southampton', 'p8', 'Progress 8', 'score', 'perf_ks4', '2018/19', 201819, true, -0.19, 120, 150, 6, 11, NULL::BIGINT))
			t(entity_level, entity_code, la_code, entity_name, measure, measure_label, unit, source, academic_year, time_period,
			  higher_is_better, value, national_rank, national_n, neighbour_rank, neighbour_n, national_rank_prev)`,
	} {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	c := &Config{LACode: 851}
	sum := &Summary{RunID: 1}

	// No stg.neighbours: the neighbours cannot be marked.
	err := writeReport(ctx, conn, t.TempDir(), c, sum, nil)
	if err == nil || !strings.Contains(err.Error(), "statistical neighbours") {
		t.Fatalf("report without stg.neighbours: %v, want an error about the statistical neighbours", err)
	}

	// With them, the report is written with its dot plot.
	if _, err := conn.ExecContext(ctx, `CREATE TABLE stg.neighbours AS SELECT 851 AS la_code, 852 AS neighbour_la_code, true AS in_use`); err != nil {
		t.Fatal(err)
	}
	d := &reportData{Summary: sum, LACode: 851}
	if err := reportRanks(ctx, conn, d); err != nil {
		t.Fatal(err)
	}
	if len(d.Ranks) != 1 || d.Ranks[0].Neighbours != "10 of 11" || !strings.Contains(string(d.Ranks[0].Chart), `class="highlight"`) {
		t.Fatalf("ranks: %+v", d.Ranks)
	}

	// A value the dot plot cannot draw (a rankings row gone wrong) fails
	// the report rather than dropping the chart.
	if _, err := conn.ExecContext(ctx, `INSERT INTO mart.rankings SELECT * REPLACE ('853' AS entity_code, 'Nowhere' AS entity_name, 'inf'::DOUBLE AS value)
		FROM mart.rankings WHERE entity_code = '852'`); err != nil {
		t.Fatal(err)
	}
	err = reportRanks(ctx, conn, &reportData{Summary: sum, LACode: 851})
	if err == nil || !strings.Contains(err.Error(), "dot plot") {
		t.Fatalf("a non-finite value: %v, want the dot plot's error", err)
	}
}
