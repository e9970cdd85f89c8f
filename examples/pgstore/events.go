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

// checkEvents refuses events whose Time timestamptz cannot hold, which
// the memory outbox keeps: sent as they are, PostgreSQL would refuse them
// ("timestamp out of range") or, far enough out that pgx's microseconds
// wrap, save another time (time.Unix(1<<62, 0) as 1970).
func checkEvents(events ...oms.Event) error {
	for i, e := range events {
		if e.Time.Before(minEventTime) || e.Time.After(maxEventTime) {
			return oms.Validationf("event", fmt.Sprintf("events[%d].time", i), "%s is outside the years 4713 BC to %d AD that PostgreSQL holds",
				e.Time.Format(time.RFC3339Nano), maxTimestampYear)
		}
	}
	return nil
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
