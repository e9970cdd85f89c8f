package pgstore

import (
	"context"
	"encoding/json"
	"errors"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/omskit/oms"
	"github.com/omskit/oms/inventory"
)

// reserveSQL is a whole reservation as one statement (a data-modifying
// CTE), so a hot level is locked for one round trip:
//
//   - ins saves the reservation unless its ID exists (a replay) or a line's
//     SKU is unknown or untracked (the transaction path handles those);
//   - lk locks the levels in the fixed order, SKU then location;
//   - lv raises reserved on each level whose location is active, on the
//     condition that the level's backorders stay within its cap (0 under
//     deny, the location's allowance under preorder, none under allow),
//     and returns each level's rise of backorders;
//   - cnt raises each SKU's backorder counter by its levels' rise, on the
//     condition that a preorder SKU stays within its SKU-wide limit;
//   - ev appends the event to the outbox.
//
// The final SELECT runs them in the order it names them (each subquery is
// an InitPlan, run when the CASE first needs it): the reservation and the
// event are written before the level is locked, so the hot row's lock is
// held for the level and counter updates and the commit only.
//
// When any row was refused, the final SELECT calls pgstore_refuse, which
// aborts the statement: nothing is saved, and Reserve runs the transaction
// path, which locks the same rows and names every short line.
const reserveSQL = `WITH req AS (
	SELECT u.sku, u.location, sum(u.qty)::bigint AS qty
	FROM unnest($8::text[], $9::text[], $10::bigint[]) AS u(sku, location, qty)
	GROUP BY u.sku, u.location
), ins AS (
	INSERT INTO inv_reservations (id, reference, status, version, expires_at, expires_ns, doc)
	SELECT $1, $2, $3, $4, $5, $6, $7
	WHERE NOT EXISTS (SELECT 1 FROM req r LEFT JOIN inv_items i ON i.sku = r.sku WHERE i.sku IS NULL OR NOT i.tracked)
	ON CONFLICT (id) DO NOTHING
	RETURNING id
), lk AS (
	SELECT l.sku, l.location, l.on_hand, l.reserved FROM inv_levels l JOIN req r ON l.sku = r.sku AND l.location = r.location
	WHERE EXISTS (SELECT 1 FROM ins)
	ORDER BY l.sku, l.location FOR UPDATE OF l
), lv AS (
	UPDATE inv_levels l SET reserved = l.reserved + r.qty, seq = nextval('inv_change_seq')
	FROM lk JOIN req r ON r.sku = lk.sku AND r.location = lk.location
		JOIN inv_items i ON i.sku = r.sku
		JOIN inv_locations c ON c.id = r.location AND c.active
	WHERE l.sku = lk.sku AND l.location = lk.location
	  AND (i.mode = 'allow' OR greatest(l.reserved + r.qty - l.on_hand, 0) <=
		CASE WHEN i.mode <> 'preorder' THEN 0
		     WHEN i.location_limits IS NULL THEN i.lim
		     ELSE least(coalesce((i.location_limits ->> r.location)::bigint, 0), i.lim) END)
	RETURNING l.sku, greatest(l.reserved - l.on_hand, 0) - greatest(l.reserved - r.qty - l.on_hand, 0) AS rise
), rises AS (
	SELECT sku, sum(rise)::bigint AS rise FROM lv GROUP BY sku HAVING sum(rise) <> 0
), cnt AS (
	UPDATE inv_items i SET backordered = i.backordered + s.rise
	FROM rises s
	WHERE i.sku = s.sku AND (i.mode <> 'preorder' OR s.rise < 0 OR i.backordered + s.rise <= i.lim)
	  AND (s.rise < 0 OR i.backordered + s.rise <= 4611686018427387904)
	RETURNING 1
), ev AS (
	INSERT INTO outbox (id, type, aggregate_kind, aggregate_id, aggregate_version, at, at_ns, payload)
	SELECT $11, $12, $13, $14, $15, $16, $18, $17::jsonb
	WHERE $11::text IS NOT NULL AND EXISTS (SELECT 1 FROM ins)
	RETURNING 1
)
SELECT CASE
	WHEN NOT EXISTS (SELECT 1 FROM ins) THEN 'replay'
	WHEN (SELECT count(*) FROM ev) < 0 THEN 'unreachable'
	WHEN (SELECT count(*) FROM lv) = (SELECT count(*) FROM req)
	 AND (SELECT count(*) FROM cnt) = (SELECT count(*) FROM rises) THEN 'ok'
	ELSE pgstore_refuse('reserve', (SELECT json_agg(json_build_object(
		'sku', lk.sku, 'location', lk.location, 'on_hand', lk.on_hand, 'reserved', lk.reserved,
		'mode', i.mode, 'limit', i.lim, 'location_limits', i.location_limits, 'active', c.active))
		FROM lk JOIN inv_items i ON i.sku = lk.sku JOIN inv_locations c ON c.id = lk.location)::text) END`

// reserveOneSQL is the reservation of one level (most carts' single line,
// and every hot SKU's): pgstore_reserve_one (migrations 0009, 0015, 0019), one round
// trip whose statements run in a fixed order: the reservation and its
// event are written before the level's conditional UPDATE takes the lock,
// so the hot row stays locked for that UPDATE, the SKU counter's when the
// backorders moved, and the commit. As a function the UPDATE is a small
// statement of its own: when it waited for the lock, PostgreSQL's re-check
// of the changed row (EvalPlanQual) initialises that one statement again,
// where in a data-modifying CTE it initialises every part of the statement,
// the inserts included, while holding the lock. It returns 'ok', 'replay'
// (the ID exists) or 'slow' (an unknown or untracked SKU, an unknown or
// inactive location: the transaction path decides); a refused level
// aborts it through pgstore_refuse with the level as it locked it.
const reserveOneSQL = `SELECT pgstore_reserve_one($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $18, $17)`

// oneLevel reports whether every line of r takes stock from one level, and
// the units they take together.
func oneLevel(r inventory.Reservation) (levelKey, int64, bool) {
	k := levelKey{r.Lines[0].SKU, r.Lines[0].Location}
	var q int64
	for _, ln := range r.Lines {
		if (levelKey{ln.SKU, ln.Location}) != k {
			return levelKey{}, 0, false
		}
		q += ln.Quantity
	}
	return k, q, true
}

// levelSumsTooLarge reports whether the lines of r on one level add up past
// what a level holds (maxLevelQuantity). Each line holds at most
// oms.MaxQuantity (checkReserveShape), so no sum wraps before it stops.
func levelSumsTooLarge(r inventory.Reservation) bool {
	if int64(len(r.Lines)) <= maxLevelQuantity/oms.MaxQuantity {
		return false
	}
	sums := make(map[levelKey]int64, len(r.Lines))
	for _, ln := range r.Lines {
		k := levelKey{ln.SKU, ln.Location}
		if sums[k] += ln.Quantity; sums[k] > maxLevelQuantity {
			return true
		}
	}
	return false
}

// reserveFast tries r as one statement. done reports that it was saved
// (err nil) or that its ID exists (err errReplay); false with a nil error
// means the statement refused a row (stock short, a level row missing, an
// inactive location) or could not tell, and the transaction path decides.
func (s *InventoryStore) reserveFast(ctx context.Context, r inventory.Reservation, ev oms.Event) (inventory.Reservation, bool, error) {
	if levelSumsTooLarge(r) {
		// The transaction path refuses it, naming the level; summed here
		// or in the statement, the lines would wrap an int64 or fail the
		// bigint cast.
		return inventory.Reservation{}, false, nil
	}
	d, err := doc(r)
	if err != nil {
		return inventory.Reservation{}, false, err
	}
	n := len(r.Lines)
	skus, locs, qty := make([]string, n), make([]string, n), make([]int64, n)
	for i, ln := range r.Lines {
		skus[i], locs[i], qty[i] = string(ln.SKU), string(ln.Location), ln.Quantity
	}
	var evID, payload any
	if ev.ID != "" {
		evID = string(ev.ID)
		if len(ev.Payload) > 0 {
			payload = string(ev.Payload)
		}
	}
	var res string
	if k, q, ok := oneLevel(r); ok {
		err = s.db.pool.QueryRow(ctx, reserveOneSQL, string(r.ID), r.Reference, string(r.Status), r.Version,
			nullTime(r.ExpiresAt), nsPart(r.ExpiresAt), d, string(k.sku), string(k.loc), q,
			evID, ev.Type, ev.AggregateKind, string(ev.AggregateID), ev.AggregateVersion, ev.Time, payload, nsPart(ev.Time)).Scan(&res)
	} else {
		err = s.db.pool.QueryRow(ctx, reserveSQL, string(r.ID), r.Reference, string(r.Status), r.Version,
			nullTime(r.ExpiresAt), nsPart(r.ExpiresAt), d, skus, locs, qty,
			evID, ev.Type, ev.AggregateKind, string(ev.AggregateID), ev.AggregateVersion, ev.Time, payload, nsPart(ev.Time)).Scan(&res)
	}
	switch {
	case err == nil && res == "ok":
		return r, true, nil
	case err == nil && res == "replay":
		return inventory.Reservation{}, true, errReplay
	case err == nil && res == "slow":
		return inventory.Reservation{}, false, nil
	case overBound(err), eventTaken(err):
		// The transaction path names the level, or skips the event whose
		// ID the outbox holds.
		return inventory.Reservation{}, false, nil
	case refused(err):
		if short := diagnose(r, err); short != nil {
			return inventory.Reservation{}, false, short
		}
		return inventory.Reservation{}, false, nil
	case retryable(err):
		return inventory.Reservation{}, false, nil
	case err != nil:
		return inventory.Reservation{}, false, wrap("reserve", err)
	}
	return inventory.Reservation{}, false, nil
}

// eventTaken reports whether err is the outbox's refusal of an event ID it
// holds (the one-statement reservations insert their event without ON
// CONFLICT).
func eventTaken(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505" && pe.ConstraintName == "outbox_id_key"
}

// refused reports whether err is pgstore_refuse's abort.
func refused(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "P0001" && strings.HasPrefix(pe.Message, "pgstore_refuse")
}

// lockedLevel is one level as the refused statement locked it, with its
// SKU's settings.
type lockedLevel struct {
	SKU            oms.SKU          `json:"sku"`
	Location       oms.ID           `json:"location"`
	OnHand         int64            `json:"on_hand"`
	Reserved       int64            `json:"reserved"`
	Mode           string           `json:"mode"`
	Limit          int64            `json:"limit"`
	LocationLimits map[oms.ID]int64 `json:"location_limits"`
	Active         bool             `json:"active"`
}

// diagnose names the short lines of a reservation the statement refused,
// from the levels it had locked (all at once, so they are one consistent
// state). It returns nil when it cannot tell: a level row missing, an
// inactive location, a preorder SKU (whose counter the statement did not
// lock before refusing), a line that raises the backorders of a SKU that
// allows them (whose counter may have refused it: see maxBackorders), or
// no short line at all; the transaction path then decides.
func diagnose(r inventory.Reservation, err error) error {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Detail == "" {
		return nil
	}
	var locked []lockedLevel
	if json.Unmarshal([]byte(pe.Detail), &locked) != nil {
		return nil
	}
	lvs := map[levelKey]*inventory.Level{}
	items := map[oms.SKU]*itemRec{}
	for _, l := range locked {
		mode := inventory.BackorderMode(l.Mode)
		if !l.Active || mode == inventory.BackorderPreorder || !mode.Valid() {
			return nil
		}
		lvs[levelKey{l.SKU, l.Location}] = &inventory.Level{SKU: l.SKU, Location: l.Location, OnHand: l.OnHand, Reserved: l.Reserved}
		items[l.SKU] = &itemRec{item: inventory.Item{SKU: l.SKU, Tracked: true, Backorder: inventory.BackorderPolicy{Mode: mode, Limit: l.Limit}}}
	}
	sums := map[levelKey]int64{}
	for _, ln := range r.Lines {
		k := levelKey{ln.SKU, ln.Location}
		if lvs[k] == nil {
			return nil
		}
		sums[k] += ln.Quantity // within maxLevelQuantity: levelSumsTooLarge
	}
	for k, q := range sums {
		if lv := lvs[k]; items[k.sku].unlimited() && lv.Reserved+q > lv.OnHand {
			return nil // raises a counter the statement did not report
		}
	}
	short, _, err := checkLines(r, lvs, items)
	if err != nil || len(short) == 0 {
		return nil
	}
	return &inventory.ShortageError{Op: "reserve", ID: r.ID, Lines: short}
}
