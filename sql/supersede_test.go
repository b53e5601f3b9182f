package sql_test

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"

	"github.com/edwh/edwh/connectors"
	"github.com/edwh/edwh/connectors/attendance"
	"github.com/edwh/edwh/connectors/census"
)

// A later extract of a school replaces that school's rows of the same
// census date (or attendance year and term) and nothing else: not the
// school's other dates or terms, not other schools in the same earlier
// file. A school is known by its LAESTAB, or by its URN in rows that give
// no LAESTAB.
func TestLatestExtractOfEachSchoolIsInForce(t *testing.T) {
	for _, tc := range []struct {
		name, model, raw string
		src              *connectors.Source
		rows             string // _load_id, laestab, urn, upn, then the model's own period columns
		cols             string
		want             []string // upns in force
	}{
		{
			name: "census", model: "stg.census", src: census.Source,
			cols: "_load_id, laestab, urn, upn, census_date",
			rows: `(1, 8512001, NULL, 'p1', DATE '2019-01-17'),
			       (1, 8512001, NULL, 'p2', DATE '2019-01-17'),
			       (1, 8512001, NULL, 'p5', DATE '2018-01-18'),
			       (1, 8512003, NULL, 'p6', DATE '2019-01-17'),
			       (1, NULL, 100002, 'p3', DATE '2019-01-17'),
			       (1, NULL, 100005, 'p7', DATE '2019-01-17'),
			       (2, NULL, 100002, 'p4', DATE '2019-01-17'),
			       (3, 8512001, NULL, 'p1', DATE '2019-01-17')`,
			// p2 left the re-issued school; p5 is another census; p6 and p7
			// are other schools of the first file; p3 was replaced by URN.
			want: []string{"p1", "p4", "p5", "p6", "p7"},
		},
		{
			name: "attendance", model: "stg.attendance", src: attendance.Source,
			cols: "_load_id, laestab, urn, upn, academic_year, term, sessions_possible, sessions_authorised, sessions_unauthorised",
			rows: `(1, 8512001, NULL, 'p1', 201819, 'AUTUMN', 140, 2, 0),
			       (1, 8512001, NULL, 'p2', 201819, 'AUTUMN', 140, 2, 0),
			       (1, 8512001, NULL, 'p5', 201819, 'SPRING', 120, 2, 0),
			       (1, 8512003, NULL, 'p6', 201819, 'AUTUMN', 140, 2, 0),
			       (1, NULL, 100002, 'p3', 201819, 'AUTUMN', 140, 2, 0),
			       (1, NULL, 100005, 'p7', 201819, 'AUTUMN', 140, 2, 0),
			       (2, NULL, 100002, 'p4', 201819, 'AUTUMN', 140, 2, 0),
			       (3, 8512001, NULL, 'p1', 201819, 'AUTUMN', 140, 4, 0)`,
			want: []string{"p1", "p4", "p5", "p6", "p7"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			conn := schoolsFixture(t, tc.src)
			ctx := context.Background()
			exec(t, conn, fmt.Sprintf(`INSERT INTO %s (_file, _line, %s) SELECT 'f', 0, * FROM (VALUES %s)`, tc.src.StoreTable(), tc.cols, tc.rows))
			build(t, conn, tc.model)
			var got string
			if err := conn.QueryRowContext(ctx, "SELECT string_agg(upn, ',' ORDER BY upn) FROM "+tc.model).Scan(&got); err != nil {
				t.Fatal(err)
			}
			if want := strings.Join(tc.want, ","); got != want {
				t.Errorf("%s holds %s, want %s", tc.model, got, want)
			}
		})
	}
}

// A pupil listed twice for the same school and census date (census) or
// year and term (attendance) keeps one row: the latest load's, then the
// first line's for the census and the last line's for attendance, whose
// duplicates counts the others. A school given by LAESTAB in one extract
// and by URN in another is one school. Two schools (dual registration;
// mart.pupils picks one) or two terms keep a row each.
func TestPupilListedTwiceKeepsOneRow(t *testing.T) {
	for _, tc := range []struct {
		name, model string
		src         *connectors.Source
		insert      string
		show        string // the expression listed for each row, in order
		want        string
	}{
		{
			name: "census", model: "stg.census", src: census.Source,
			insert: `INSERT INTO raw_rows.census (_file, _load_id, _line, laestab, urn, upn, census_date) VALUES
			   ('a', 1, 5, 8512001, NULL, 'p1', DATE '2019-01-17'),
			   ('a', 1, 9, 8512001, NULL, 'p1', DATE '2019-01-17'),
			   ('a', 1, 6, 8512001, NULL, 'p2', DATE '2019-01-17'),
			   ('a', 1, 7, 8512003, NULL, 'p2', DATE '2019-01-17'),
			   ('a', 1, 8, 8512002, NULL, 'p3', DATE '2019-01-17'),
			   ('b', 2, 2, NULL, 100002, 'p3', DATE '2019-01-17'),
			   ('a', 1, 10, 8512001, NULL, 'p4', DATE '2019-01-17')`,
			show: "string_agg(concat_ws(':', upn, urn, laestab, load_id, line), ' ' ORDER BY upn, urn)",
			want: "p1:100001:8512001:1:5 p2:100001:8512001:1:6 p2:100003:8512003:1:7 p3:100002:8512002:2:2 p4:100001:8512001:1:10",
		},
		{
			name: "attendance", model: "stg.attendance", src: attendance.Source,
			insert: `INSERT INTO raw_rows.attendance (_file, _load_id, _line, laestab, urn, upn, academic_year, term,
			   sessions_possible, sessions_authorised, sessions_unauthorised) VALUES
			   ('a', 1, 5, 8512001, NULL, 'p1', 201819, 'AUTUMN', 140, 2, 0),
			   ('a', 1, 9, 8512001, NULL, 'p1', 201819, 'AUTUMN', 140, 3, 0),
			   ('a', 1, 6, 8512001, NULL, 'p2', 201819, 'AUTUMN', 140, 2, 0),
			   ('a', 1, 7, 8512003, NULL, 'p2', 201819, 'AUTUMN', 140, 2, 0),
			   ('a', 1, 8, 8512002, NULL, 'p3', 201819, 'AUTUMN', 140, 2, 0),
			   ('b', 2, 2, NULL, 100002, 'p3', 201819, 'AUTUMN', 140, 4, 0),
			   ('a', 1, 10, 8512001, NULL, 'p4', 201819, 'AUTUMN', 140, 2, 0),
			   ('a', 1, 11, 8512001, NULL, 'p5', 201819, 'AUTUMN', 140, 2, 0),
			   ('a', 1, 12, 8512001, NULL, 'p5', 201819, 'SPRING', 120, 2, 0)`,
			show: "string_agg(concat_ws(':', upn, urn, term, load_id, line, duplicates), ' ' ORDER BY upn, urn, term)",
			want: "p1:100001:autumn:1:9:1 p2:100001:autumn:1:6:0 p2:100003:autumn:1:7:0 p3:100002:autumn:2:2:1 " +
				"p4:100001:autumn:1:10:0 p5:100001:autumn:1:11:0 p5:100001:spring:1:12:0",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			conn := schoolsFixture(t, tc.src)
			exec(t, conn, tc.insert)
			build(t, conn, tc.model)
			var got string
			if err := conn.QueryRowContext(context.Background(), "SELECT "+tc.show+" FROM "+tc.model).Scan(&got); err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("%s holds\n%s\nwant\n%s", tc.model, got, tc.want)
			}
		})
	}
}

// schoolsFixture is a database with src's raw table, empty, and three
// schools in stg.schools.
func schoolsFixture(t *testing.T, src *connectors.Source) *sql.Conn {
	t.Helper()
	conn := fixtureDB(t, nil)
	if err := connectors.EnsureTable(context.Background(), conn, src); err != nil {
		t.Fatal(err)
	}
	exec(t, conn,
		`CREATE TABLE stg.schools AS SELECT * FROM (VALUES
		   (100001, 8512001, NULL::DATE, NULL::DATE), (100002, 8512002, NULL, NULL), (100003, 8512003, NULL, NULL)
		 ) t(urn, laestab, open_date, close_date)`)
	return conn
}
