package pgstore

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// settled returns the last number the sequence seq has handed out, once
// every transaction that may still write a row with one of those numbers
// has ended (ok); or, when such a transaction is still in flight after
// Options.InFlightWait, ok false. The numbers go to rows of tables.
//
// A sequence hands out numbers in call order, not commit order: a
// transaction may take 10, another 11 and commit first. A reader that
// moves its cursor to 11 then never sees 10. So the reader reads the last
// number handed out, then which transactions hold a write lock on any of
// tables (a statement takes that lock before it draws a number, and keeps
// it to the end of its transaction, so every writer of a number up to the
// last is one of them, or has ended), and waits until none of them
// remains. Afterwards every row numbered up to it is committed or never
// will be, and a statement that starts then sees all of them.
// Transactions that only read, or write other tables, are not waited for.
func (db *DB) settled(ctx context.Context, seq string, tables ...string) (last int64, ok bool, err error) {
	conn, err := db.pool.Acquire(ctx)
	if err != nil {
		return 0, false, err
	}
	defer conn.Release()
	var lv *int64
	if err := conn.QueryRow(ctx, `SELECT pg_sequence_last_value($1::regclass)`, seq).Scan(&lv); err != nil {
		return 0, false, err
	}
	if lv != nil {
		last = *lv
	}
	var open []string
	if err := conn.QueryRow(ctx, `SELECT coalesce(array_agg(DISTINCT virtualtransaction), '{}') FROM pg_locks
		WHERE locktype = 'relation' AND relation = ANY($1::text[]::regclass[]) AND mode = 'RowExclusiveLock'
			AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
			AND pid <> pg_backend_pid()`, tables).Scan(&open); err != nil {
		return 0, false, err
	}
	if len(open) == 0 {
		return last, true, nil
	}
	ended, err := waitEnded(ctx, conn, open, db.inFlightWait())
	return last, ended, err
}

func (db *DB) inFlightWait() time.Duration {
	if db.opts.InFlightWait > 0 {
		return db.opts.InFlightWait
	}
	return DefaultInFlightWait
}

// waitEnded polls pg_locks until none of the virtual transactions open
// holds its lock any more (true), or wait has passed (false). PostgreSQL offers
// no SQL to wait for another transaction's end, so it polls, from 100 µs
// up to every 10 ms.
func waitEnded(ctx context.Context, conn *pgxpool.Conn, open []string, wait time.Duration) (bool, error) {
	deadline := time.Now().Add(wait)
	pause := 100 * time.Microsecond
	for {
		t := time.NewTimer(pause)
		select {
		case <-ctx.Done():
			t.Stop()
			return false, ctx.Err()
		case <-t.C:
		}
		if err := conn.QueryRow(ctx, `SELECT coalesce(array_agg(virtualxid), '{}') FROM pg_locks
			WHERE locktype = 'virtualxid' AND mode = 'ExclusiveLock' AND virtualxid = ANY($1)`, open).Scan(&open); err != nil {
			return false, err
		}
		if len(open) == 0 {
			return true, nil
		}
		if time.Now().After(deadline) {
			return false, nil
		}
		pause = min(2*pause, 10*time.Millisecond)
	}
}
