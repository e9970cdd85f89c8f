package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/omskit/oms/examples/internal/outputtest"
)

// TestSimulateCommand runs the command with a short run's flags and checks
// the summary's key lines, the progress bar and the report it names.
func TestSimulateCommand(t *testing.T) {
	var out, errOut bytes.Buffer
	report := filepath.Join(t.TempDir(), "out.html")
	code := cli(context.Background(), []string{"-days", "2", "-orders", "10", "-workers", "4", "-seed", "3", "-report", report}, &out, &errOut)
	if code != 0 {
		t.Fatalf("exit code %d\n%s%s", code, out.String(), errOut.String())
	}
	outputtest.Lines(t, out.String(),
		"stage         calls        p50        p99",
		"oversold units         0",
		"ledger reconciles      true",
		"report: "+report,
	)
	if !strings.Contains(errOut.String(), "] day 2/2\n") {
		t.Errorf("no progress bar on stderr: %q", errOut.String())
	}
}

// TestSimulateCommandRefusesBadFlags checks that a bad flag or value exits
// non-zero with a message, having simulated nothing.
func TestSimulateCommandRefusesBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"-days", "0"},
		{"-returns", "1.5"},
		{"-workers", "-1"},
		{"-nosuchflag"},
	} {
		var out, errOut bytes.Buffer
		if code := cli(context.Background(), append(args, "-quiet"), &out, &errOut); code == 0 || errOut.Len() == 0 {
			t.Errorf("%v: exit code %d, stderr %q", args, code, errOut.String())
		}
		if out.Len() != 0 {
			t.Errorf("%v: printed a summary:\n%s", args, out.String())
		}
	}
}
