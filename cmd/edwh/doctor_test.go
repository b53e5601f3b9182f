package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDoctor(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "la")
	if code, _, e := edwh(t, "init", "--la", "851", dir); code != 0 {
		t.Fatal(e)
	}
	cfg := filepath.Join(dir, "edwh.yaml")
	tests := []struct {
		name  string
		setup func()
		code  int
		want  string
	}{
		{"fresh deployment: no database yet", func() {}, exitFailed, "no working database yet"},
		{"key readable by others", func() { os.Chmod(filepath.Join(dir, "secret.key"), 0o644) }, exitFailed, "chmod 600"},
		{"misspelt landing folder", func() {
			os.Chmod(filepath.Join(dir, "secret.key"), 0o600)
			os.MkdirAll(filepath.Join(dir, "landing", "cenus"), 0o755)
		}, exitFailed, "landing/cenus/ is read by no source"},
		{"after a good run", func() {
			os.Remove(filepath.Join(dir, "landing", "cenus"))
			if code, out, e := edwh(t, "run", "--config", cfg); code != 0 {
				t.Fatalf("run: %s %s", out, e)
			}
		}, exitOK, "all good"},
		{"missing config", func() {}, exitFailed, "edwh init"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.setup()
			c := cfg
			if tt.name == "missing config" {
				c = filepath.Join(dir, "nope.yaml")
			}
			code, out, _ := edwh(t, "doctor", "--config", c)
			if code != tt.code || !strings.Contains(out, tt.want) {
				t.Errorf("code %d, output:\n%s", code, out)
			}
		})
	}
}
