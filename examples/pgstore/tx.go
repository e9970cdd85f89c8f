package pgstore

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/omskit/oms"
)

// maxRetries bounds how often a transaction that PostgreSQL aborted for a
// serialization failure or a deadlock is run again before the store
// reports oms.ErrConflict.
const maxRetries = 8

// retryable reports whether err is a transient abort that running the
// whole transaction again resolves: a serialization failure (40001, what a
// PostgreSQL-compatible distributed database reports for most conflicts)
// or a detected deadlock (40P01).
func retryable(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "40001" || pe.Code == "40P01"
	}
	return false
}

// tx runs fn in a transaction, again from the start when PostgreSQL aborts
// it as retryable; after maxRetries it reports an error matching
// oms.ErrConflict. fn must be safe to run more than once: it must not keep
// what it computed in an aborted run.
func (db *DB) tx(ctx context.Context, fn func(pgx.Tx) error) error {
	for attempt := 0; ; attempt++ {
		err := pgx.BeginFunc(ctx, db.pool, fn)
		if v := cannotHold(err); v != nil {
			return v
		}
		if err == nil || !retryable(err) {
			return err
		}
		if attempt+1 >= maxRetries || ctx.Err() != nil {
			return fmt.Errorf("%w: %v", oms.ErrConflict, err)
		}
	}
}

// readTx runs fn in a read-only REPEATABLE READ transaction: one snapshot.
func (db *DB) readTx(ctx context.Context, fn func(pgx.Tx) error) error {
	for attempt := 0; ; attempt++ {
		err := pgx.BeginTxFunc(ctx, db.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, fn)
		if err == nil || !retryable(err) || attempt+1 >= maxRetries {
			return err
		}
	}
}

// nsPart returns the nanoseconds of t below the microsecond, which
// timestamptz does not keep: stored beside it, the pair orders and
// compares exactly.
func nsPart(t time.Time) int16 { return int16(t.Nanosecond() % 1000) }

// holdable reports whether PostgreSQL's text holds every s: valid UTF-8
// without a NUL byte. Text it cannot hold was never stored, so a lookup by
// it matches nothing, as in the memory stores, instead of failing with an
// encoding error.
func holdable(ss ...string) bool {
	for _, s := range ss {
		if !utf8.ValidString(s) || strings.IndexByte(s, 0) >= 0 {
			return false
		}
	}
	return true
}

// holdableIDs returns the IDs of ids that PostgreSQL's text holds (see
// holdable).
func holdableIDs(ids []oms.ID) []string {
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if holdable(string(id)) {
			out = append(out, string(id))
		}
	}
	return out
}

// timeBound returns a bound that a query compares stored times against,
// moved into the range timestamptz holds (4713 BC to 294276 AD): pgx
// sends a time as microseconds, which wrap for years far beyond it, and
// PostgreSQL refuses one outside it. Every stored time lies in years -1
// to 10000 in UTC (a JSON document holds years 0 to 9999 in the time's
// own zone), so a bound after the range is moved to its last instant and
// one before year -1 to the start of year -2: either compares with the
// stored times as t does.
func timeBound(t time.Time) time.Time {
	switch y := t.Year(); {
	case y > maxTimestampYear:
		return time.Date(maxTimestampYear, 12, 31, 23, 59, 59, 999999999, time.UTC)
	case y < -1:
		return time.Date(-2, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	return t
}

// nullTime returns nil for the zero time (SQL NULL), else t.
func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}

// doc encodes v as a JSONB parameter, its times that JSON would write as
// another instant written in UTC (see jsonTimes).
func doc(v any) (string, error) {
	b, err := json.Marshal(jsonTimes(v))
	if err != nil {
		return "", fmt.Errorf("%w: pgstore: encode: %v", oms.ErrValidation, err)
	}
	if replacedBytes(b) {
		return "", fmt.Errorf("%w: pgstore: encode: text with bytes that are not UTF-8", oms.ErrValidation)
	}
	return string(b), nil
}

// replacedBytes reports whether encoding/json replaced bytes that are not
// UTF-8 in the document b: it writes each as the escape \ufffd, and
// writes U+FFFD itself unescaped, so an escape \ufffd (one not preceded by
// an escaped backslash) means the value held such bytes.
func replacedBytes(b []byte) bool {
	for {
		i := bytes.Index(b, []byte(`\ufffd`))
		if i < 0 {
			return false
		}
		n := 0
		for j := i - 1; j >= 0 && b[j] == '\\'; j-- {
			n++
		}
		if n%2 == 0 {
			return true
		}
		b = b[i+1:]
	}
}

// decode reads a JSONB document into v.
func decode(b []byte, v any) error {
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("pgstore: decode: %w", err)
	}
	return nil
}

// cannotHold returns a *oms.ValidationError when err is PostgreSQL's
// refusal of a value it cannot store, which the memory stores keep: text
// with a NUL byte or bytes that are not UTF-8 in a text column (22021), a
// NUL escape in a JSONB string (22P05), an event payload that is not JSON
// (22P02: every other value the adapter sends it writes itself), or a
// key too long for its unique or lookup index (54000: an index entry
// holds about 2.7 kB). The same
// write is refused however often it is retried, and the statement or
// transaction wrote nothing. Else nil.
func cannotHold(err error) error {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return nil
	}
	switch pe.Code {
	case "22021", "22P05":
		return oms.Validationf("", "", "holds text PostgreSQL cannot store (a NUL character or bytes that are not UTF-8): %s", pe.Message)
	case "22P02":
		return oms.Validationf("", "", "holds a value PostgreSQL cannot read (an event payload that is not JSON): %s", pe.Message)
	case "54000":
		return oms.Validationf("", "", "holds a key too long for PostgreSQL to index: %s", pe.Message)
	}
	return nil
}

// wrap names the operation on a database error; domain errors (error
// kinds of oms, shortages, validation) pass through unchanged, and text
// PostgreSQL cannot store is a validation error (see cannotHold).
func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	if v := cannotHold(err); v != nil {
		return fmt.Errorf("pgstore: %s: %w", op, v)
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) || errors.Is(err, pgx.ErrTxClosed) {
		return fmt.Errorf("pgstore: %s: %w", op, err)
	}
	return err
}
