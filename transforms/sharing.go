package transforms

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"strings"
)

// ParallelRows is the size, in rows read, from which a query keeps all of
// DuckDB's threads busy by itself: eight of DuckDB's row groups (122,880
// rows each), the unit a scan is shared out in. When models are built side
// by side, a model that reads this many rows is built alone with all the
// threads, and a smaller one beside another on one thread each. On the demo
// LA, whose largest table has 450,000 rows, two models at a time on two
// threads each took 5.2 s and 18.2 CPU seconds for the run's transform and
// checks, and on one thread each 3.8 s and 14.9: DuckDB's threads mostly
// waited on each other over tables that small. A national table (8.5
// million rows) keeps every thread busy by itself.
const ParallelRows = 8 * 122_880

// sharing shares DuckDB's threads among models built side by side. Its
// setting is the database's, not a connection's, so a model built alone
// sets it to all threads, and the models side by side set it to one.
type sharing struct {
	threads int              // DuckDB's threads setting when the build started
	current int              // the setting as last set
	tables  map[string]int64 // estimated rows of each table, by schema.name
	anyBig  bool             // some model was built alone
}

func newSharing(ctx context.Context, db Execer) (*sharing, error) {
	s := &sharing{tables: map[string]int64{}}
	// One look at the catalog gives the rows of the tables that are not
	// models (raw and ops tables); the models' rows are counted as they
	// are built.
	var sizes string
	if err := db.QueryRowContext(ctx, `SELECT CAST(current_setting('threads') AS INTEGER),
		coalesce(CAST(to_json(map(list(schema_name || '.' || table_name), list(estimated_size))) AS VARCHAR), '{}')
		FROM duckdb_tables() WHERE database_name = current_database() AND NOT temporary`).Scan(&s.threads, &sizes); err != nil {
		return nil, fmt.Errorf("reading DuckDB's threads and table sizes: %w", err)
	}
	if err := json.Unmarshal([]byte(sizes), &s.tables); err != nil {
		return nil, fmt.Errorf("reading table sizes: %w", err)
	}
	// A raw view (raw.census) has the rows of its store table
	// (raw_rows.census; see connectors.Source.StoreTable).
	for name, n := range maps.Clone(s.tables) {
		if schema, table, _ := strings.Cut(name, "."); strings.HasSuffix(schema, "_rows") {
			s.tables[strings.TrimSuffix(schema, "_rows")+"."+table] += n
		}
	}
	s.current = s.threads
	return s, nil
}

// big reports whether m reads enough rows to be built alone. rows gives the
// rows of the models built so far.
func (s *sharing) big(m *Model, rows map[string]int64) bool {
	var n int64
	for _, d := range m.Depends {
		if r, ok := rows[d]; ok {
			n += r
		} else {
			n += s.tables[d]
		}
	}
	return n >= ParallelRows
}

// set sets DuckDB's threads, if it is not set to n already.
func (s *sharing) set(ctx context.Context, db Execer, n int) error {
	if n == s.current {
		return nil
	}
	if _, err := db.ExecContext(ctx, fmt.Sprintf("SET threads = %d", n)); err != nil {
		return err
	}
	s.current = n
	return nil
}
