package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"text/tabwriter"
)

// cmdEffects prints a programme's intervention effects as a table.
func cmdEffects(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("effects", stderr)
	cfgPath := configFlag(fs)
	programme := fs.String("programme", "", "the programme's name, as in the interventions register")
	group := fs.String("group", "all", "pupils: all, any_sen or disadvantaged")
	schools := fs.Bool("schools", false, "also list each school")
	if code, ok := parse(fs, args); !ok {
		return code
	}
	c, code := loadConfig(*cfgPath, stderr)
	if c == nil {
		return code
	}
	db, code := openReadOnly(c, stderr)
	if db == nil {
		return code
	}
	defer db.Close()
	if *programme == "" {
		rows, err := db.QueryContext(ctx, `SELECT DISTINCT programme FROM mart.intervention_effects ORDER BY 1`)
		if err != nil {
			fmt.Fprintln(stderr, "edwh:", err)
			return exitFailed
		}
		defer rows.Close()
		fmt.Fprintln(stderr, "edwh effects: name a programme with --programme; the register has:")
		for rows.Next() {
			var p string
			rows.Scan(&p)
			fmt.Fprintf(stderr, "  %s\n", p)
		}
		return exitUsage
	}
	levels := "('programme', 'group')"
	if *schools {
		levels = "('programme', 'group', 'school')"
	}
	rows, err := db.QueryContext(ctx, `SELECT e.level, coalesce(e.group_id, ''), coalesce(s.name, CAST(e.urn AS VARCHAR), ''), e.measure,
		e.pre_period, e.post_period, e.pre_value, e.post_value, e.delta, e.pct_change, e.did, e.ci_low, e.ci_high,
		e.schools, e.comparison_schools, e.suppressed, e.method
		FROM mart.intervention_effects e LEFT JOIN mart.schools s ON s.urn = e.urn
		WHERE lower(e.programme) = lower(?) AND e.pupil_group = ? AND e.level IN `+levels+`
		ORDER BY CASE e.level WHEN 'programme' THEN 0 WHEN 'group' THEN 1 ELSE 2 END, e.group_id, e.urn, e.measure`, *programme, *group)
	if err != nil {
		fmt.Fprintln(stderr, "edwh:", err)
		return exitFailed
	}
	defer rows.Close()
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintf(stdout, "%s, %s pupils\n\n", *programme, *group)
	fmt.Fprintln(tw, "LEVEL\tGROUP\tSCHOOL\tMEASURE\tPRE\tPOST\tDELTA\tCHANGE\tDIFF-IN-DIFF (95% CI)\tSCHOOLS\tCOMPARED WITH")
	var method, pre, post string
	n := 0
	for rows.Next() {
		var level, grp, school, measure string
		var preV, postV, delta, pct, did, lo, hi sql.NullFloat64
		var ns, nc sql.NullInt64
		var sup bool
		if err := rows.Scan(&level, &grp, &school, &measure, &pre, &post, &preV, &postV, &delta, &pct, &did, &lo, &hi, &ns, &nc, &sup, &method); err != nil {
			fmt.Fprintln(stderr, "edwh:", err)
			return exitFailed
		}
		f := func(v sql.NullFloat64, format string) string {
			if sup {
				return "supp."
			}
			if !v.Valid {
				return "-"
			}
			return fmt.Sprintf(format, v.Float64)
		}
		ci := f(did, "%+.2f")
		if !sup && lo.Valid {
			ci += fmt.Sprintf(" (%+.2f to %+.2f)", lo.Float64, hi.Float64)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d\t%d\n", level, grp, school, measure,
			f(preV, "%.2f"), f(postV, "%.2f"), f(delta, "%+.2f"), f(pct, "%+.1f%%"), ci, ns.Int64, nc.Int64)
		n++
	}
	tw.Flush()
	if n == 0 {
		fmt.Fprintf(stderr, "edwh: no effects for programme %q (is it in the interventions register, with schools resolved?)\n", *programme)
		return exitFailed
	}
	fmt.Fprintf(stdout, "\npre %s, post %s. %s.\nDelta is in the measure's units (percentage points for rates); change is delta / pre.\n", pre, post, method)
	return exitOK
}
