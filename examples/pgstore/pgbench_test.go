package pgstore_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/omskit/oms/examples/pgstore"
)

var tpsLine = regexp.MustCompile(`(?m)^tps = ([0-9.]+)`)

// pgbench runs script with hotClients clients for a few seconds against
// db's schema and returns the transactions per second; it skips b when
// pgbench is not installed.
func pgbench(b *testing.B, db *pgstore.DB, script string) float64 {
	b.Helper()
	bin, err := exec.LookPath("pgbench")
	if err != nil {
		b.Skip("pgbench is not installed")
	}
	cmd := exec.Command(bin, "-M", "prepared", "-n", "-c", strconv.Itoa(hotClients), "-j", "2", "-T", "5", "-f", script, os.Getenv("OMS_TEST_POSTGRES"))
	cmd.Env = append(os.Environ(), "PGOPTIONS=-c search_path="+db.Schema())
	out, err := cmd.CombinedOutput()
	if err != nil {
		b.Fatalf("pgbench: %v\n%s", err, out)
	}
	m := tpsLine.FindSubmatch(out)
	if m == nil {
		b.Fatalf("pgbench printed no tps:\n%s", out)
	}
	tps, _ := strconv.ParseFloat(string(m[1]), 64)
	return tps
}

// benchmarkPgbenchHotUpdate is the database's own limit for one hot row:
// bench/hot_update.sql, one conditional UPDATE per transaction, with the
// benchmark's client count. It reports transactions/s.
func benchmarkPgbenchHotUpdate(b *testing.B) {
	db := open(b)
	ctx := context.Background()
	if _, err := db.Pool().Exec(ctx, `CREATE TABLE pgbench_hot (id int PRIMARY KEY, on_hand bigint, reserved bigint);
		INSERT INTO pgbench_hot VALUES (1, 1125899906842624, 0)`); err != nil {
		b.Fatal(err)
	}
	script, err := filepath.Abs("bench/hot_update.sql")
	if err != nil {
		b.Fatal(err)
	}
	tps := pgbench(b, db, script)
	b.ReportMetric(tps, "transactions/s")
}

// benchmarkPgbenchReserveStatement runs the adapter's one-level
// reservation itself (pgstore_reserve_one, as the Go path calls it)
// through pgbench, no Go client in the way: what the reservation costs in
// the database. Its IDs are time-ordered like the ULIDs the library makes
// (random IDs would land on random index pages, and after each checkpoint
// every such page costs a full-page image in the WAL: about 12 kB more WAL
// per reservation). It reports reservations/s.
func benchmarkPgbenchReserveStatement(b *testing.B) {
	db := open(b)
	if err := stockHot(db); err != nil {
		b.Fatal(err)
	}
	sql := pgstore.ReserveOneSQL
	stamp := `to_char(clock_timestamp(), 'YYYYMMDDHH24MISSUS') || '-' || :client_id || '-' || :n`
	id := `('pgb-' || ` + stamp + `)`
	for _, r := range []struct{ p, v string }{
		{"$18", "0::smallint"}, {"$17", "NULL"}, {"$16", "now()"}, {"$15", "1"}, {"$14", id}, {"$13", "'reservation'"}, {"$12", "'inventory.reserved'"},
		{"$11", `('ev-' || ` + stamp + `)`}, {"$10", "1::bigint"}, {"$9", "'wh'"}, {"$8", "'HOT'"},
		{"$7", `'{"lines":[{"sku":"HOT","location":"wh","quantity":1,"committed":0,"released":0}],"status":"active","version":1}'`},
		{"$6", "0::smallint"}, {"$5", "NULL"}, {"$4", "1"}, {"$3", "'active'"}, {"$2", "''"}, {"$1", id},
	} {
		sql = strings.ReplaceAll(sql, r.p, r.v)
	}
	script := filepath.Join(b.TempDir(), "reserve.sql")
	body := "\\set n random(1, 1000000000000)\n" + strings.Join(strings.Fields(sql), " ") + ";\n"
	if err := os.WriteFile(script, []byte(body), 0o644); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(pgbench(b, db, script), "reservations/s")
}

// stockHot creates location wh and SKU HOT with 2^50 units there.
func stockHot(db *pgstore.DB) error {
	_, err := db.Pool().Exec(context.Background(), fmt.Sprintf(`
		INSERT INTO inv_locations (id, priority, active, seq, doc) VALUES ('wh', 0, true, 1, '{"id":"wh","name":"wh","kind":"warehouse","active":true}');
		INSERT INTO inv_items (sku, tracked, mode, lim, seq, doc) VALUES ('HOT', true, 'deny', 0, 2, '{"sku":"HOT","tracked":true,"backorder":{"mode":"deny"}}');
		INSERT INTO inv_levels (sku, location, on_hand, seq) VALUES ('HOT', 'wh', %d, 3)`, int64(1)<<50))
	return err
}
