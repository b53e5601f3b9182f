package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/edwh/edwh/pipeline"
	"github.com/edwh/edwh/pipeline/synth"
)

func edwh(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestInitRunAndInspect(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "la")
	if code, _, e := edwh(t, "init", "--la", "851", dir); code != 0 {
		t.Fatalf("init: %d %s", code, e)
	}
	st, err := os.Stat(filepath.Join(dir, "secret.key"))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("secret key mode %v %v", st.Mode(), err)
	}
	if code, _, _ := edwh(t, "init", dir); code == 0 {
		t.Error("init over an existing deployment succeeded")
	}
	cfg := filepath.Join(dir, "edwh.yaml")
	if _, err := synth.Generate(synth.Config{Seed: 3, Schools: 30, Pupils: 3000, Years: 3}, filepath.Join(dir, "landing")); err != nil {
		t.Fatal(err)
	}
	code, out, e := edwh(t, "run", "--config", cfg, "--log-format", "json")
	runOut := out
	if code != 0 || !strings.Contains(out, "succeeded") || !strings.Contains(out, "research snapshot") {
		t.Fatalf("run: %d\n%s\n%s", code, out, e)
	}
	if !strings.Contains(e, `"message":"run finished"`) {
		t.Errorf("--log-format json did not log JSON: %s", e[:min(len(e), 300)])
	}
	if strings.Contains(e, "secret") && strings.Contains(e, mustRead(t, filepath.Join(dir, "secret.key"))) {
		t.Error("the key was logged")
	}
	code, out, _ = edwh(t, "quarantine", "--config", cfg, "--limit", "1000")
	if code != 0 || !strings.Contains(out, "census/") || !strings.Contains(out, "UPN check letter is wrong") {
		t.Errorf("quarantine: %d %s", code, out[:min(len(out), 500)])
	}
	// The register row whose school does not resolve is listed as held
	// back, with the candidate school named; the run summary counts it.
	if !strings.Contains(runOut, "1 interventions register rows held back") {
		t.Errorf("the run summary does not count the unresolved register row:\n%s", runOut)
	}
	code, reg, _ := edwh(t, "quarantine", "--config", cfg, "--source", "interventions")
	for _, want := range []string{"interventions/register.xlsx", "school", "candidates: ", "unresolved", "missing value", "end date before start date"} {
		if code != 0 || !strings.Contains(reg, want) {
			t.Errorf("quarantine --source interventions does not show %q:\n%s", want, reg)
		}
	}
	// UPNs shown to users are masked.
	for _, line := range strings.Split(out, "\n") {
		if strings.Contains(line, " UPN ") && strings.Contains(line, "check letter") && !strings.Contains(line, "****") {
			t.Errorf("unmasked UPN: %s", line)
		}
	}
	code, out, _ = edwh(t, "runs", "--config", cfg)
	if code != 0 || !strings.Contains(out, "succeeded") {
		t.Errorf("runs: %s", out)
	}
	code, out, _ = edwh(t, "status", "--config", cfg)
	if code != 0 || !strings.Contains(out, "up to date") || !strings.Contains(out, "next run:") {
		t.Errorf("status: %s", out)
	}
	if code, out, _ := edwh(t, "sources"); code != 0 || !strings.Contains(out, "NCyearActual") {
		t.Errorf("sources: %s", out)
	}
}

func mustRead(t *testing.T, p string) string {
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

func TestHelpAndUsage(t *testing.T) {
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{}, exitUsage, "Commands:"},
		{[]string{"--help"}, exitOK, "Commands:"},
		{[]string{"nope"}, exitUsage, "unknown command"},
		{[]string{"run", "--help"}, exitOK, "--config"},
		{[]string{"run", "--config", "/does/not/exist.yaml"}, exitUsage, "edwh init"},
		{[]string{"schedule", "--help"}, exitOK, "service"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			code, out, e := edwh(t, tt.args...)
			if code != tt.code || !strings.Contains(out+e, tt.want) {
				t.Errorf("code %d, output %q", code, out+e)
			}
		})
	}
}

// A real daemon with a one-second schedule: files dropped into the landing
// folder are published without anyone running edwh by hand, and a failing
// run calls the hook with its summary.
func TestScheduleEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the daemon for several seconds")
	}
	dir := filepath.Join(t.TempDir(), "la")
	if code, _, e := edwh(t, "init", "--la", "851", dir); code != 0 {
		t.Fatal(e)
	}
	cfg := filepath.Join(dir, "edwh.yaml")
	hookOut := filepath.Join(dir, "hook.txt")
	extra := "\nschedule:\n  seconds: true\n  catch_up: false\n  settle: 0s\n  retries: 0\n  jobs:\n    - name: every-second\n      cron: \"* * * * * *\"\n  on_failure: cat > " + hookOut + "\n"
	f, _ := os.OpenFile(cfg, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(extra)
	f.Close()

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	var logs bytes.Buffer
	go func() {
		done <- run(ctx, []string{"schedule", "--config", cfg}, &bytes.Buffer{}, &lockedWriter{w: &logs})
	}()

	if _, err := synth.Generate(synth.Config{Seed: 5, Schools: 30, Pupils: 3000, Years: 3}, filepath.Join(dir, "landing")); err != nil {
		t.Fatal(err)
	}
	published := filepath.Join(dir, "publish", "edwh.duckdb")
	waitFor(t, 60*time.Second, func() bool { _, err := os.Stat(published); return err == nil })

	// Break the key's permissions: the next run fails and the hook hears of it.
	os.Chmod(filepath.Join(dir, "secret.key"), 0o644)
	waitFor(t, 30*time.Second, func() bool { b, _ := os.ReadFile(hookOut); return len(b) > 0 })
	b, _ := os.ReadFile(hookOut)
	if !strings.Contains(string(b), "chmod 600") {
		t.Errorf("hook got %q", b)
	}
	os.Chmod(filepath.Join(dir, "secret.key"), 0o600)
	cancel() // SIGTERM
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("schedule exited %d", code)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("the scheduler did not stop")
	}
	_, out, _ := edwh(t, "runs", "--config", cfg, "--limit", "100")
	if !strings.Contains(out, "schedule") || !strings.Contains(out, "succeeded") {
		t.Errorf("runs:\n%s", out)
	}
}

// A scheduled trigger that finds a manual `edwh run` holding the warehouse
// (retries: 0 here) is recorded as skipped, with the reason, in `edwh runs`
// once the daemon stops, and the failure hook is not called: nothing failed.
func TestScheduleRecordsATriggerSkippedForAManualRun(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "la")
	if code, _, e := edwh(t, "init", "--la", "851", dir); code != 0 {
		t.Fatal(e)
	}
	cfg := filepath.Join(dir, "edwh.yaml")
	hookOut := filepath.Join(dir, "hook.txt")
	f, _ := os.OpenFile(cfg, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString("\nschedule:\n  seconds: true\n  catch_up: false\n  retries: 0\n  jobs:\n    - name: every-second\n      cron: \"* * * * * *\"\n  on_failure: cat > " + hookOut + "\n")
	f.Close()
	os.MkdirAll(filepath.Join(dir, "warehouse"), 0o755)
	manual, err := pipeline.AcquireLock(filepath.Join(dir, "warehouse", "edwh.lock"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	var logs bytes.Buffer
	go func() {
		done <- run(ctx, []string{"schedule", "--config", cfg}, &bytes.Buffer{}, &lockedWriter{w: &logs})
	}()
	waitFor(t, 10*time.Second, func() bool {
		_, err := os.Stat(filepath.Join(dir, "warehouse", "skipped.jsonl"))
		return err == nil
	})
	manual.Release()
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("schedule exited %d", code)
	}
	code, out, e := edwh(t, "runs", "--config", cfg, "--limit", "100")
	if code != 0 || !strings.Contains(out, "schedule  skipped") || !strings.Contains(out, "job every-second did not run") {
		t.Errorf("runs (%d %s):\n%s", code, e, out)
	}
	if _, err := os.Stat(hookOut); err == nil {
		t.Error("the failure hook was called for a skipped trigger")
	}
}

func waitFor(t *testing.T, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if cond() {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("timed out")
}
