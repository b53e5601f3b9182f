package pipeline_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/edwh/edwh/pipeline"
	"github.com/edwh/edwh/pipeline/warehouse"
)

// TestIngestOnlyLoadsAndStops: a run with IngestOnly loads the new files,
// builds and publishes nothing, and the next run builds and publishes from
// them without loading them again (edwh bench times ingest this way).
func TestIngestOnlyLoadsAndStops(t *testing.T) {
	c, _ := deployment(t, false)
	writeSmallLA(t, c)
	sum, err := (&pipeline.Runner{Config: c, Only: []string{"census"}, IngestOnly: true}).Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if sum.FilesLoaded != 1 || sum.RowsLoaded != 2 || sum.Published != "" || sum.Models != 0 {
		t.Errorf("ingest only: %d files, %d rows loaded, %d models, published %q; want the census alone (1 file, 2 rows), no models, nothing published",
			sum.FilesLoaded, sum.RowsLoaded, sum.Models, sum.Published)
	}
	if _, err := os.Stat(filepath.Join(c.PublishDir(), "current")); !os.IsNotExist(err) {
		t.Errorf("publish/current after an ingest-only run: %v, want none", err)
	}
	db, err := warehouse.Open(c.DatabasePath(), warehouse.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	if n := queryInt(t, db, `SELECT count(*) FROM raw.census`); n != 2 {
		t.Errorf("raw.census holds %d rows, want 2", n)
	}
	if n := queryInt(t, db, `SELECT count(*) FROM duckdb_tables() WHERE schema_name IN ('stg', 'mart')`); n != 0 {
		t.Errorf("%d models built by an ingest-only run, want none", n)
	}
	db.Close()

	next := runOnce(t, c)
	if next.FilesLoaded != 1 || next.Published == "" {
		t.Errorf("the run after: %d files loaded (the establishments), published %q; want 1 and a version", next.FilesLoaded, next.Published)
	}
	db, err = warehouse.Open(c.DatabasePath(), warehouse.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if n := queryInt(t, db, `SELECT count(*) FROM mart.pupils`); n != 2 {
		t.Errorf("mart.pupils holds %d rows after the next run, want the 2 loaded by the ingest-only run", n)
	}
}
