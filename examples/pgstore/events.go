package pgstore

import (
	"fmt"
	"time"

	"github.com/omskit/oms"
)

// minEventTime and maxEventTime bound the times timestamptz holds (4713
// BC to 294276 AD).
var (
	minEventTime = time.Date(-4712, 1, 1, 0, 0, 0, 0, time.UTC)
	maxEventTime = time.Date(maxTimestampYear, 12, 31, 23, 59, 59, 999999999, time.UTC)
)

// timestampHolds reports whether timestamptz holds t (4713 BC to 294276
// AD): a time outside it PostgreSQL refuses ("timestamp out of range") or,
// far enough out that pgx's microseconds wrap, stores as another time.
func timestampHolds(t time.Time) bool { return !t.Before(minEventTime) && !t.After(maxEventTime) }

// checkEvents refuses events whose Time timestamptz cannot hold, which
// the memory outbox keeps: sent as they are, PostgreSQL would refuse them
// ("timestamp out of range") or, far enough out that pgx's microseconds
// wrap, save another time (time.Unix(1<<62, 0) as 1970).
//
// It also refuses a payload holding a number JSONB's numeric cannot hold
// (see numericHolds), which PostgreSQL would refuse with a raw "value
// overflows numeric format".
func checkEvents(events ...oms.Event) error {
	for i, e := range events {
		if !timestampHolds(e.Time) {
			return oms.Validationf("event", fmt.Sprintf("events[%d].time", i), "%s is outside the years 4713 BC to %d AD that PostgreSQL holds",
				e.Time.Format(time.RFC3339Nano), maxTimestampYear)
		}
		if n, ok := payloadNumbers(e.Payload); !ok {
			return oms.Validationf("event", fmt.Sprintf("events[%d].payload", i), "the number %.40s is beyond what PostgreSQL's numeric holds (131,072 digits before the point, 16,383 after)", n)
		}
	}
	return nil
}

// payloadNumbers reports whether every number of the JSON payload p fits
// numeric (else false and the first that does not). It reads p once,
// skipping strings, without allocating; p that is not JSON is left to
// PostgreSQL, which refuses it as such.
func payloadNumbers(p []byte) ([]byte, bool) {
	for i := 0; i < len(p); {
		switch c := p[i]; {
		case c == '"':
			for i++; i < len(p) && p[i] != '"'; i++ {
				if p[i] == '\\' {
					i++
				}
			}
			i++
		case c == '-' || c >= '0' && c <= '9':
			j := i + 1
			for j < len(p) && (p[j] >= '0' && p[j] <= '9' || p[j] == '.' || p[j] == 'e' || p[j] == 'E' || p[j] == '+' || p[j] == '-') {
				j++
			}
			if !numericHolds(p[i:j]) {
				return p[i:j], false
			}
			i = j
		default:
			i++
		}
	}
	return nil, true
}

// numericHolds reports whether PostgreSQL's numeric reads the JSON number
// n: at most 131,072 decimal digits before the point (a weight of 32,767
// base-10,000 digits) and a display scale (digits after the point less
// the exponent) of at most 16,383, which even a zero must keep; the
// exponent itself within ±(2^31-1)/2.
func numericHolds(n []byte) bool {
	if len(n) > 0 && n[0] == '-' {
		n = n[1:]
	}
	mant, exp := n, int64(0)
	for k, c := range n {
		if c != 'e' && c != 'E' {
			continue
		}
		mant = n[:k]
		e := n[k+1:]
		neg := len(e) > 0 && e[0] == '-'
		if len(e) > 0 && (e[0] == '-' || e[0] == '+') {
			e = e[1:]
		}
		for _, d := range e {
			exp = exp*10 + int64(d-'0')
			if exp >= 1<<30-1 {
				return false
			}
		}
		if neg {
			exp = -exp
		}
		break
	}
	point := len(mant)
	for k, c := range mant {
		if c == '.' {
			point = k
			break
		}
	}
	frac := int64(0)
	if point < len(mant) {
		frac = int64(len(mant) - point - 1)
	}
	if max(frac-exp, 0) > 16383 {
		return false
	}
	for k, c := range mant {
		if c >= '1' && c <= '9' {
			// the power of ten of the leading digit
			w := int64(point-k-1) + exp
			if k > point {
				w = int64(point-k) + exp
			}
			return w < 131072
		}
	}
	return true // zero
}

// eventArrays returns events as the eight array parameters of
// insertEventsSQL.
func eventArrays(events []oms.Event) []any {
	n := len(events)
	ids, types, kinds, aggs := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	versions := make([]int64, n)
	ats := make([]time.Time, n)
	nss := make([]int16, n)
	payloads := make([]*string, n)
	for i, e := range events {
		ids[i], types[i], kinds[i], aggs[i] = string(e.ID), e.Type, e.AggregateKind, string(e.AggregateID)
		versions[i], ats[i], nss[i] = e.AggregateVersion, e.Time, nsPart(e.Time)
		if len(e.Payload) > 0 {
			p := string(e.Payload)
			payloads[i] = &p
		}
	}
	return []any{ids, types, kinds, aggs, versions, ats, nss, payloads}
}

// insertEventsSQL is an INSERT of the outbox rows given as the eight
// arrays of eventArrays, from parameter $first on, in their order, when
// the CTE named gate returned a row (the write they belong to happened).
// An event whose ID the outbox holds is skipped, as the memory outbox
// does, so a replayed write adds nothing.
func insertEventsSQL(first int, gate string) string {
	p := func(i int) int { return first + i }
	return fmt.Sprintf(`INSERT INTO outbox (id, type, aggregate_kind, aggregate_id, aggregate_version, at, at_ns, payload)
	SELECT e.id, e.type, e.kind, e.agg, e.ver, e.at, e.ns, e.payload::jsonb
	FROM unnest($%d::text[], $%d::text[], $%d::text[], $%d::text[], $%d::bigint[], $%d::timestamptz[], $%d::smallint[], $%d::text[])
		WITH ORDINALITY AS e(id, type, kind, agg, ver, at, ns, payload, n)
	WHERE EXISTS (SELECT 1 FROM %s)
	ORDER BY e.n
	ON CONFLICT (id) DO NOTHING`, p(0), p(1), p(2), p(3), p(4), p(5), p(6), p(7), gate)
}
