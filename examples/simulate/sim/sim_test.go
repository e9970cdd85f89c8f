package sim

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// small is a run that takes a second or two: a few days of a small shop.
var small = Config{Days: 8, OrdersPerDay: 15, Workers: 8, Seed: 7, ReturnRate: 0.5}

// TestSimulate runs a small simulation and checks its summary: orders went
// through the whole flow (shipped, delivered, returned and refunded), nothing
// was oversold, the stock ledger reconciles, and the report is one HTML file
// with four inline SVG charts and nothing fetched from elsewhere.
func TestSimulate(t *testing.T) {
	var out bytes.Buffer
	report := filepath.Join(t.TempDir(), "out.html")
	if err := Run(context.Background(), small, &out, report); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	text := out.String()
	for _, want := range []string{
		"oversold units         0",
		"ledger reconciles      true",
		"stage         calls        p50        p99",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("summary lacks %q:\n%s", want, text)
		}
	}
	for _, stage := range stages {
		if !regexp.MustCompile(`(?m)^` + stage + ` +[1-9]`).MatchString(text) {
			t.Errorf("no %s calls measured:\n%s", stage, text)
		}
	}
	m := regexp.MustCompile(`orders shipped +(\d+) of (\d+)`).FindStringSubmatch(text)
	if m == nil || m[1] == "0" {
		t.Fatalf("nothing shipped:\n%s", text)
	}
	if regexp.MustCompile(`delivered on time +[0-9.]+% of 0 orders`).MatchString(text) {
		t.Errorf("nothing delivered:\n%s", text)
	}
	if !regexp.MustCompile(`return rate +[0-9.]+% \([1-9]\d* returns\)`).MatchString(text) || strings.Contains(text, "refunds                0.00 USD") {
		t.Errorf("no returns refunded:\n%s", text)
	}
	page, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	checkReport(t, string(page))
}

// checkReport checks a report's markup: four charts drawn inline and no
// scripts or external assets.
func checkReport(t *testing.T, page string) {
	t.Helper()
	if n := strings.Count(page, "<svg"); n != 4 {
		t.Errorf("the report has %d charts, want 4", n)
	}
	if !strings.Contains(page, "<polyline") || !strings.Contains(page, "<rect x=") {
		t.Error("the charts draw no lines or bars")
	}
	if strings.Contains(page, "<script") || regexp.MustCompile(`(src|href)=`).MatchString(page) {
		t.Error("the report loads something: it must be self-contained")
	}
}

// TestSimulateSameSeedSameDemand checks that the seed fixes the demand:
// two runs take the same number of orders.
func TestSimulateSameSeedSameDemand(t *testing.T) {
	orders := func() string {
		var out bytes.Buffer
		if err := Run(context.Background(), Config{Days: 1, OrdersPerDay: 15, Workers: 4, Seed: 3}, &out, ""); err != nil {
			t.Fatal(err)
		}
		return regexp.MustCompile(`: (\d+) orders in`).FindStringSubmatch(out.String())[1]
	}
	if a, b := orders(), orders(); a != b {
		t.Fatalf("seed 3 took %s orders, then %s", a, b)
	}
}

// TestReportInChromium renders a report in headless Chromium and checks that
// the browser built the four charts with their lines and bars. Without a
// browser it is skipped, except in CI (CI set).
func TestReportInChromium(t *testing.T) {
	bin := ""
	for _, name := range []string{os.Getenv("CHROMIUM"), "chromium", "chromium-browser", "google-chrome"} {
		if name == "" {
			continue
		}
		if p, err := exec.LookPath(name); err == nil {
			bin = p
			break
		}
	}
	if bin == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("no chromium on PATH (set CHROMIUM)")
		}
		t.Skip("no chromium on PATH (set CHROMIUM to run this test)")
	}
	report := filepath.Join(t.TempDir(), "out.html")
	if err := Run(context.Background(), Config{Days: 3, OrdersPerDay: 10, Workers: 4, Seed: 1}, &bytes.Buffer{}, report); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
		"--user-data-dir="+t.TempDir(), "--dump-dom", "file://"+report)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	dom, err := cmd.Output()
	if err != nil {
		t.Fatalf("chromium: %v\n%s", err, stderr.String())
	}
	checkReport(t, string(dom))
	if !strings.Contains(string(dom), "Orders per day") {
		t.Error("chromium's DOM lacks the orders chart")
	}
}
