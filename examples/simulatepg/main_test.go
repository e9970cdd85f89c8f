package main

import (
	"bytes"
	"context"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/omskit/oms/examples/simulate/sim"
)

// dsn returns the test database: OMS_TEST_POSTGRES. In CI a missing or
// unreachable database fails the test; elsewhere it skips. Tests commit
// without waiting for the WAL flush (synchronous_commit=off, a session
// setting pgx takes from a URL DSN), which only a server crash would tell
// apart.
func dsn(t *testing.T) string {
	t.Helper()
	d := os.Getenv("OMS_TEST_POSTGRES")
	if d == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("OMS_TEST_POSTGRES is not set in CI")
		}
		t.Skip("set OMS_TEST_POSTGRES to run the PostgreSQL simulation")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, d)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("PostgreSQL unreachable in CI: %v", err)
		}
		t.Skipf("PostgreSQL unreachable: %v", err)
	}
	c.Close(ctx)
	if u, err := url.Parse(d); err == nil && (u.Scheme == "postgres" || u.Scheme == "postgresql") && !u.Query().Has("synchronous_commit") {
		q := u.Query()
		q.Set("synchronous_commit", "off")
		u.RawQuery = q.Encode()
		d = u.String()
	}
	return d
}

// schemaExists reports whether the database has the schema.
func schemaExists(t *testing.T, d, schema string) bool {
	t.Helper()
	ctx := context.Background()
	c, err := pgx.Connect(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	var n int
	if err := c.QueryRow(ctx, "SELECT count(*) FROM pg_namespace WHERE nspname = $1", schema).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n == 1
}

// day is one simulated day of a small shop: a few seconds with -race.
var day = sim.Config{Days: 1, OrdersPerDay: 15, Workers: 8, Seed: 7, ReturnRate: 0.5}

var schemaLine = regexp.MustCompile(`PostgreSQL schema (sim_[0-9a-z]+)`)

// TestSimulateOnPostgres runs one simulated day on the PostgreSQL adapter
// and checks the summary: orders placed, confirmed, processed and shipped,
// nothing oversold, the stock ledger reconciles, the report written; and
// the run's schema is gone afterwards.
func TestSimulateOnPostgres(t *testing.T) {
	d := dsn(t)
	var out bytes.Buffer
	report := filepath.Join(t.TempDir(), "out.html")
	if err := run(context.Background(), d, false, day, &out, report); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	text := out.String()
	for _, want := range []string{
		"oversold units         0",
		"ledger reconciles      true",
		"stage         calls        p50        p99",
		"report: " + report,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("summary lacks %q:\n%s", want, text)
		}
	}
	for _, stage := range []string{"place", "confirm", "process", "track", "relay"} {
		if !regexp.MustCompile(`(?m)^` + stage + ` +[1-9]`).MatchString(text) {
			t.Errorf("no %s calls measured:\n%s", stage, text)
		}
	}
	if m := regexp.MustCompile(`orders shipped +(\d+) of (\d+)`).FindStringSubmatch(text); m == nil || m[1] == "0" {
		t.Errorf("nothing shipped:\n%s", text)
	}
	if regexp.MustCompile(`carrier calls +0,`).MatchString(text) {
		t.Errorf("no carrier was called:\n%s", text)
	}
	page, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(page), "<svg"); n != 4 {
		t.Errorf("the report has %d charts, want 4", n)
	}
	m := schemaLine.FindStringSubmatch(text)
	if m == nil {
		t.Fatalf("the run names no schema:\n%s", text)
	}
	if schemaExists(t, d, m[1]) {
		t.Errorf("schema %s is still there after the run", m[1])
	}
}

// TestKeepKeepsTheSchema runs the command with -keep (and -postgres) and
// checks that it leaves the run's schema, with its orders, in the database.
func TestKeepKeepsTheSchema(t *testing.T) {
	d := dsn(t)
	var out, errOut bytes.Buffer
	args := []string{"-postgres", d, "-keep", "-days", "1", "-orders", "3", "-workers", "2", "-quiet"}
	code := cli(context.Background(), args, &out, &errOut)
	m := schemaLine.FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("exit code %d, the run names no schema:\n%s%s", code, out.String(), errOut.String())
	}
	schema := m[1]
	ctx := context.Background()
	c, err := pgx.Connect(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(ctx) })
	t.Cleanup(func() {
		if _, err := c.Exec(ctx, "DROP SCHEMA IF EXISTS "+pgx.Identifier{schema}.Sanitize()+" CASCADE"); err != nil {
			t.Errorf("drop schema: %v", err)
		}
	})
	if code != 0 {
		t.Fatalf("exit code %d\n%s%s", code, out.String(), errOut.String())
	}
	if !strings.Contains(out.String(), "schema: "+schema+" (kept)") {
		t.Errorf("the summary does not say the schema was kept:\n%s", out.String())
	}
	var orders int
	if err := c.QueryRow(ctx, "SELECT count(*) FROM "+pgx.Identifier{schema, "orders"}.Sanitize()).Scan(&orders); err != nil {
		t.Fatalf("schema %s was not kept: %v", schema, err)
	}
	if orders == 0 {
		t.Errorf("schema %s holds no orders", schema)
	}
}

// TestRunRefusesBadInput checks that a run without a database or with no
// workers fails with a message naming the problem, before it connects.
func TestRunRefusesBadInput(t *testing.T) {
	for _, tc := range []struct {
		name, dsn string
		cfg       sim.Config
		want      string
	}{
		{"no database", "", day, "-postgres"},
		{"no workers", "postgres://127.0.0.1:1/none", sim.Config{Days: 1, OrdersPerDay: 1}, "workers"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := run(context.Background(), tc.dsn, false, tc.cfg, &bytes.Buffer{}, "")
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("run: %v, want an error naming %q", err, tc.want)
			}
		})
	}
}
