package pipeline_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/edwh/edwh/connectors"
	"github.com/edwh/edwh/pipeline"
)

// TestTransient is the scheduler's retry decision: what may pass by itself
// is retried, what would fail the same way again is not.
func TestTransient(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"warehouse locked by a manual run", fmt.Errorf("%w (pid 42 on la-srv since ...); wait for it to finish", pipeline.ErrLocked), true},
		{"database file locked by another process (DuckDB)", errors.New(`IO Error: Could not set lock on file "warehouse/edwh.duckdb": Conflicting lock is held`), true},
		{"locked file on the share (EBUSY)", &fs.PathError{Op: "open", Path: "landing/census/c.csv", Err: syscall.EBUSY}, true},
		{"share briefly unavailable (EAGAIN)", fmt.Errorf("loading census/c.csv: %w", &fs.PathError{Op: "read", Path: "c.csv", Err: syscall.EAGAIN}), true},
		{"share dropped (ENOTCONN)", &fs.PathError{Op: "stat", Path: "landing", Err: syscall.ENOTCONN}, true},
		{"stale NFS handle", &fs.PathError{Op: "read", Path: "landing/census/c.csv", Err: syscall.ESTALE}, true},
		{"I/O error reading the share", &fs.PathError{Op: "read", Path: "landing/census/c.csv", Err: syscall.EIO}, true},
		{"landing folder ENOENT while walking (share unmounted)", fmt.Errorf("landing folder /mnt/share/landing: %w", &fs.PathError{Op: "lstat", Path: "/mnt/share/landing", Err: syscall.ENOENT}), true},
		{"a file vanished between listing and reading", &fs.PathError{Op: "open", Path: "landing/census/c.csv", Err: syscall.ENOENT}, true},
		{"bad data: a refused file", &connectors.FileError{Path: "census/c.csv", Err: connectors.ErrNoHeader}, false},
		{"failing blocking check", fmt.Errorf("3 %w, nothing published: pupils_unique: 4 failing rows", pipeline.ErrChecksFailed), false},
		{"validation error in the config", fmt.Errorf("%w: sources.census.year %q is not an academic year like 2018/19", pipeline.ErrConfig, "2018"), false},
		{"config error wrapping ENOENT is still config", fmt.Errorf("%w: %w", pipeline.ErrConfig, fs.ErrNotExist), false},
		{"key readable by others", fmt.Errorf("%w: the key file secret.key can be read by others", pipeline.ErrSecret), false},
		{"context cancelled (shutdown)", fmt.Errorf("transform: %w", context.Canceled), false},
		{"context cancelled while the share was busy", errors.Join(context.Canceled, syscall.EAGAIN), false},
		{"deadline exceeded", context.DeadlineExceeded, false},
		{"an unknown error", errors.New("Binder Error: column x not found"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := pipeline.Transient(tt.err); got != tt.want {
				t.Errorf("Transient(%v) = %v, want %v", tt.err, got, tt.want)
			}
		})
	}
}

// TestTransientOfRealRunErrors classifies errors as the pipeline returns
// them, not only hand-made ones: a missing landing folder is retried (a
// share that is away), a held lock is retried, a bad key is not.
func TestTransientOfRealRunErrors(t *testing.T) {
	c, _ := deployment(t, false)
	_, err := (&pipeline.Runner{Config: c}).Run(context.Background())
	if err == nil || !pipeline.Transient(err) || !errors.Is(err, pipeline.ErrConfig) {
		t.Errorf("landing folder missing: %v (transient %v)", err, pipeline.Transient(err))
	}
	os.MkdirAll(c.LandingDir(), 0o755)
	lock, err := pipeline.AcquireLock(filepath.Join(c.WarehouseDir(), "edwh.lock"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = (&pipeline.Runner{Config: c}).Run(context.Background())
	if !pipeline.Transient(err) {
		t.Errorf("warehouse locked: %v not transient", err)
	}
	lock.Release()
	os.Chmod(filepath.Join(c.Dir, "secret.key"), 0o644)
	_, err = (&pipeline.Runner{Config: c}).Run(context.Background())
	if err == nil || pipeline.Transient(err) {
		t.Errorf("key readable by others: %v is transient", err)
	}
}
