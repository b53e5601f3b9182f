package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/edwh/edwh/connectors"
	"github.com/edwh/edwh/pipeline"
	"github.com/edwh/edwh/pipeline/warehouse"
)

// measureAliases are short names analysts type for the ranked measures.
var measureAliases = map[string]string{
	"a8":       "att8",
	"rwm":      "ks2_rwm_expected",
	"em4":      "eng_maths_4plus",
	"em5":      "eng_maths_5plus",
	"absence":  "overall_absence",
	"pa":       "persistent_absence",
	"perm":     "permanent_exclusion_rate",
	"susp":     "suspension_rate",
	"fixed":    "suspension_rate",
	"ebacc":    "ebacc_aps",
	"progress": "p8",
}

// cmdRank answers "where do we stand?": an LA's national and statistical
// neighbour ranks on one measure, year by year, and its neighbours' figures.
func cmdRank(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("rank", stderr)
	cfgPath := configFlag(fs)
	la := fs.Int("la", 0, "the LA's 3-digit code (default: la_code in edwh.yaml)")
	measure := fs.String("measure", "", "the measure: a name such as p8, att8, ks2_rwm_expected, overall_absence, or a DfE field code such as P8MEA")
	year := fs.String("year", "", "the year whose neighbours are listed, e.g. 2018/19 (default: the latest)")
	source := fs.String("source", "", "only this source (perf_ks2, perf_ks4, perf_abs, ees)")
	published := fs.Bool("published", false, "read the published snapshot (publish/edwh.duckdb) rather than the working database")
	if code, ok := parse(fs, args); !ok {
		return code
	}
	c, code := loadConfig(*cfgPath, stderr)
	if c == nil {
		return code
	}
	if *la == 0 {
		*la = c.LACode
	}
	if *la == 0 || *measure == "" {
		fmt.Fprintln(stderr, "edwh rank: give --measure, and --la unless la_code is set in edwh.yaml")
		fs.Usage()
		return exitUsage
	}
	wantYear := 0
	if *year != "" {
		if wantYear = connectors.YearFromPath(strings.NewReplacer("/", "-").Replace(*year) + "/x"); wantYear == 0 {
			fmt.Fprintf(stderr, "edwh rank: --year %q is not an academic year like 2018/19\n", *year)
			return exitUsage
		}
	}
	db, schema, code := openRankings(c, *published, stderr)
	if db == nil {
		return code
	}
	defer db.Close()
	r := &ranker{db: db, schema: schema, w: stdout}
	m, err := r.resolveMeasure(ctx, *measure)
	if err != nil {
		fmt.Fprintln(stderr, "edwh rank:", err)
		return exitUsage
	}
	found, err := r.print(ctx, *la, m, *source, wantYear)
	if err != nil {
		fmt.Fprintln(stderr, "edwh rank:", err)
		return exitFailed
	}
	if !found {
		fmt.Fprintf(stderr, "edwh rank: no %s figure for LA %d in the data loaded\n", m, *la)
		return exitFailed
	}
	return exitOK
}

// openRankings opens the working database read-only, or the published
// snapshot when asked or while a run holds the working one, and says in
// which schema the marts are ("mart" in the working database, "main" in the
// snapshot).
func openRankings(c *pipeline.Config, published bool, stderr io.Writer) (*sql.DB, string, int) {
	if !published && pipeline.LockHolder(filepath.Join(c.WarehouseDir(), "edwh.lock")) != "" {
		fmt.Fprintln(stderr, "edwh rank: a run is under way; reading the published snapshot")
		published = true
	}
	if !published {
		db, code := openReadOnly(c, stderr)
		return db, "mart", code
	}
	p := filepath.Join(c.PublishDir(), "edwh.duckdb")
	if _, err := os.Stat(p); err != nil {
		fmt.Fprintf(stderr, "edwh: nothing published yet at %s: run `edwh run` first\n", p)
		return nil, "", exitFailed
	}
	db, err := warehouse.Open(p, warehouse.Options{ReadOnly: true})
	if err == nil {
		err = db.Ping()
	}
	if err != nil {
		fmt.Fprintln(stderr, "edwh:", err)
		return nil, "", exitFailed
	}
	return db, "main", exitOK
}

type ranker struct {
	db     *sql.DB
	schema string
	w      io.Writer
}

func (r *ranker) table(name string) string { return r.schema + "." + name }

// resolveMeasure finds the ranked measure a user means: its name, a DfE
// field code, or a short alias, case-insensitively.
func (r *ranker) resolveMeasure(ctx context.Context, s string) (string, error) {
	rows, err := r.db.QueryContext(ctx, `SELECT DISTINCT measure, dfe_code FROM `+r.table("rankings")+` ORDER BY 1`)
	if err != nil {
		return "", fmt.Errorf("reading rankings (has a run built them yet?): %w", err)
	}
	defer rows.Close()
	want := strings.ToLower(strings.TrimSpace(s))
	if a, ok := measureAliases[want]; ok {
		want = a
	}
	var names []string
	seen := map[string]bool{}
	match := ""
	for rows.Next() {
		var m, code string
		if err := rows.Scan(&m, &code); err != nil {
			return "", err
		}
		if strings.ToLower(m) == want || strings.ToLower(code) == want {
			match = m
		}
		if !seen[m] {
			seen[m] = true
			names = append(names, m)
		}
	}
	if err := rows.Err(); err != nil {
		return "", err
	}
	if match == "" {
		if len(names) == 0 {
			return "", errors.New("no rankings yet: load performance tables or EES files and run `edwh run`")
		}
		return "", fmt.Errorf("no measure %q; measures ranked: %s", s, strings.Join(names, ", "))
	}
	return match, nil
}

// laYear is one year of an LA's ranking on a measure.
type laYear struct {
	year                               int
	label                              string
	value                              float64
	nationalRank, nationalN, quartile  sql.NullInt64
	neighbourRank, neighbourN          sql.NullInt64
	nationalLAs                        int64
	set, name, measureLabel, unit, dfe string
	release                            sql.NullString
	nationalValue                      sql.NullFloat64
	higherIsBetter                     bool
}

// print writes the LA's series for each source of the measure, then its
// neighbours' figures in the chosen (or latest) year.
func (r *ranker) print(ctx context.Context, la int, measure, source string, wantYear int) (bool, error) {
	rows, err := r.db.QueryContext(ctx, `SELECT source, time_period, academic_year, value, national_rank, national_n, quartile,
		neighbour_rank, neighbour_n, national_las, coalesce(neighbour_set, ''), coalesce(entity_name, ''), measure_label,
		coalesce(unit, ''), dfe_code, release, national_value, higher_is_better
		FROM `+r.table("rankings")+`
		WHERE entity_level = 'la' AND entity_code = ? AND measure = ? AND (? = '' OR source = ?)
		ORDER BY source, time_period`, strconv.Itoa(la), measure, source, source)
	if err != nil {
		return false, err
	}
	bySource := map[string][]laYear{}
	var sources []string
	for rows.Next() {
		var src string
		var y laYear
		if err := rows.Scan(&src, &y.year, &y.label, &y.value, &y.nationalRank, &y.nationalN, &y.quartile, &y.neighbourRank,
			&y.neighbourN, &y.nationalLAs, &y.set, &y.name, &y.measureLabel, &y.unit, &y.dfe, &y.release, &y.nationalValue,
			&y.higherIsBetter); err != nil {
			rows.Close()
			return false, err
		}
		if _, ok := bySource[src]; !ok {
			sources = append(sources, src)
		}
		bySource[src] = append(bySource[src], y)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return false, err
	}
	for i, src := range sources {
		if i > 0 {
			fmt.Fprintln(r.w)
		}
		if err := r.printSource(ctx, la, measure, src, bySource[src], wantYear); err != nil {
			return true, err
		}
	}
	return len(sources) > 0, nil
}

func (r *ranker) printSource(ctx context.Context, la int, measure, src string, years []laYear, wantYear int) error {
	last := years[len(years)-1]
	name := last.name
	if name == "" {
		name = "LA"
	}
	dir := "higher is better"
	if !last.higherIsBetter {
		dir = "lower is better"
	}
	fmt.Fprintf(r.w, "%s (%d): %s\n", name, la, last.measureLabel)
	fmt.Fprintf(r.w, "measure %s, DfE field %s, source %s; %s, rank 1 is the best, ties share the best rank\n\n", measure, last.dfe, src, dir)

	tw := tabwriter.NewWriter(r.w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "YEAR\tVALUE\tNATIONAL RANK\tQUARTILE\tNEIGHBOUR RANK\tENGLAND")
	for _, y := range years {
		nat := "-"
		switch {
		case y.nationalRank.Valid:
			nat = fmt.Sprintf("%d of %d", y.nationalRank.Int64, y.nationalN.Int64)
		case y.nationalN.Valid:
			nat = fmt.Sprintf("- (data for %d LAs)", y.nationalLAs)
		}
		q := "-"
		if y.quartile.Valid {
			q = strconv.FormatInt(y.quartile.Int64, 10)
		}
		nb := "-"
		if y.neighbourRank.Valid {
			nb = fmt.Sprintf("%d of %d", y.neighbourRank.Int64, y.neighbourN.Int64)
		}
		eng := "-"
		if y.nationalValue.Valid {
			eng = fmtValue(y.nationalValue.Float64, y.unit)
		}
		label := y.label
		if y.release.Valid && y.release.String == "provisional" {
			label += " (provisional)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", label, fmtValue(y.value, y.unit), nat, q, nb, eng)
	}
	tw.Flush()

	// The neighbours in the chosen year, or the latest with a neighbour rank.
	var show *laYear
	for i := range years {
		y := &years[i]
		if wantYear != 0 && y.year == wantYear || wantYear == 0 && y.neighbourRank.Valid {
			show = y
		}
	}
	if show == nil {
		if wantYear != 0 {
			fmt.Fprintf(r.w, "\nno figure for %d in %s\n", la, connectors.FormatYear(wantYear))
		} else {
			fmt.Fprintln(r.w, "\nno statistical neighbours loaded for this LA (load the DfE workbook into landing/neighbours/)")
		}
		return nil
	}
	return r.printNeighbours(ctx, la, measure, src, show)
}

// member is one LA of a neighbour group.
type member struct {
	code          int
	name          string
	closeness     string
	value         sql.NullFloat64
	nationalRank  sql.NullInt64
	nationalN     sql.NullInt64
	neighbourRank int
}

func (r *ranker) printNeighbours(ctx context.Context, la int, measure, src string, y *laYear) error {
	rows, err := r.db.QueryContext(ctx, `WITH grp AS (
			SELECT ? AS la_code, 0 AS neighbour_rank, '(this LA)' AS closeness
			UNION ALL
			SELECT neighbour_la_code, neighbour_rank, coalesce(closeness, '')
			FROM `+r.table("statistical_neighbours")+` WHERE la_code = ? AND time_period = ?
		)
		SELECT g.la_code, coalesce(r.entity_name, n.neighbour_name, ''), g.closeness, r.value, r.national_rank, r.national_n
		FROM grp g
		LEFT JOIN `+r.table("rankings")+` r ON r.entity_level = 'la' AND r.entity_code = CAST(g.la_code AS VARCHAR)
			AND r.measure = ? AND r.source = ? AND r.time_period = ?
		LEFT JOIN (SELECT DISTINCT neighbour_la_code, neighbour_name FROM `+r.table("statistical_neighbours")+`) n
			ON n.neighbour_la_code = g.la_code
		ORDER BY g.neighbour_rank`, la, la, y.year, measure, src, y.year)
	if err != nil {
		return err
	}
	var ms []member
	for rows.Next() {
		var m member
		if err := rows.Scan(&m.code, &m.name, &m.closeness, &m.value, &m.nationalRank, &m.nationalN); err != nil {
			rows.Close()
			return err
		}
		ms = append(ms, m)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	better := func(a, b float64) bool {
		if y.higherIsBetter {
			return a > b
		}
		return a < b
	}
	for i := range ms {
		if !ms[i].value.Valid {
			continue
		}
		ms[i].neighbourRank = 1
		for _, o := range ms {
			if o.value.Valid && better(o.value.Float64, ms[i].value.Float64) {
				ms[i].neighbourRank++
			}
		}
	}
	sort.SliceStable(ms, func(i, j int) bool {
		a, b := ms[i], ms[j]
		if a.value.Valid != b.value.Valid {
			return a.value.Valid
		}
		return a.neighbourRank < b.neighbourRank
	})
	fmt.Fprintf(r.w, "\n%s: the LA and its %d statistical neighbours (set %s)\n", y.label, len(ms)-1, y.set)
	tw := tabwriter.NewWriter(r.w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "RANK\tLA\tNAME\tVALUE\tNATIONAL RANK\tCLOSENESS")
	for _, m := range ms {
		rank, value, nat := "-", "no figure", "-"
		if m.value.Valid {
			rank, value = strconv.Itoa(m.neighbourRank), fmtValue(m.value.Float64, y.unit)
		}
		if m.nationalRank.Valid {
			nat = fmt.Sprintf("%d of %d", m.nationalRank.Int64, m.nationalN.Int64)
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\n", rank, m.code, m.name, value, nat, m.closeness)
	}
	return tw.Flush()
}

// fmtValue writes a figure as published: no trailing zeros, % where it is
// a percentage.
func fmtValue(v float64, unit string) string {
	s := strconv.FormatFloat(v, 'f', -1, 64)
	if unit == "%" {
		s += "%"
	}
	return s
}
