package pgstore

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/omskit/oms"
	"github.com/omskit/oms/inventory"
)

// ReserveBatcher is an inventory.Store whose Reserve applies concurrent
// reservations of one process together, in one transaction: a hot level is
// locked and committed once for the whole batch rather than once per
// reservation, so its throughput is no longer bound by one commit per
// reservation. Each reservation is still all or nothing, decided in
// arrival order against the stock the earlier ones left, and gets its own
// result (a *ShortageError, a replay, a not-found error) as if it had been
// reserved alone. Every other method is the InventoryStore's.
//
// A batch locks the levels of all its reservations in the fixed order
// (SKU, then location) and the SKU counters after them, like a single
// reservation, checks each reservation in turn, then writes the levels,
// counters, reservations and events in one pipeline and commits. When
// something only a single reservation can sort out comes up (a level row
// not created yet, an ID saved meanwhile by another process), the batch is
// abandoned and its reservations are made one by one. Round trips: the
// items and locations (one), the level locks (one), every write pipelined
// (one), the commit.
type ReserveBatcher struct {
	*InventoryStore
	opts  ReserveBatcherOptions
	queue chan *batchReq
	done  chan struct{}
	wg    sync.WaitGroup
	once  sync.Once
}

var _ inventory.Store = (*ReserveBatcher)(nil)

// ReserveBatcherOptions configures NewReserveBatcher. Nil means the
// defaults.
type ReserveBatcherOptions struct {
	// MaxBatch caps the reservations of one transaction. Default 64.
	MaxBatch int
	// Workers is how many batches may be in flight at once. Default 1:
	// one batch forms while the previous one commits.
	Workers int
	// Timeout bounds one batch's transaction. Default 10 s.
	Timeout time.Duration
}

type batchReq struct {
	ctx   context.Context
	r     inventory.Reservation
	ev    oms.Event
	reply chan batchResult
}

type batchResult struct {
	r       inventory.Reservation
	created bool
	err     error
}

// NewReserveBatcher returns a batcher over s; Close stops it.
func NewReserveBatcher(s *InventoryStore, opts *ReserveBatcherOptions) *ReserveBatcher {
	var o ReserveBatcherOptions
	if opts != nil {
		o = *opts
	}
	if o.MaxBatch <= 0 {
		o.MaxBatch = 64
	}
	if o.Workers <= 0 {
		o.Workers = 1
	}
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	b := &ReserveBatcher{InventoryStore: s, opts: o, queue: make(chan *batchReq, o.MaxBatch*o.Workers), done: make(chan struct{})}
	for i := 0; i < o.Workers; i++ {
		b.wg.Add(1)
		go b.run()
	}
	return b
}

// Close stops the batcher after the batches in flight; later Reserve
// calls reserve one by one.
func (b *ReserveBatcher) Close() {
	b.once.Do(func() { close(b.done) })
	b.wg.Wait()
}

// Reserve implements inventory.Store through the batch.
func (b *ReserveBatcher) Reserve(ctx context.Context, r inventory.Reservation, ev oms.Event) (inventory.Reservation, bool, error) {
	if err := ctx.Err(); err != nil {
		return inventory.Reservation{}, false, err
	}
	if err := checkReserveShape(&r); err != nil {
		return inventory.Reservation{}, false, err
	}
	req := &batchReq{ctx: ctx, r: r, ev: ev, reply: make(chan batchResult, 1)}
	select {
	case b.queue <- req:
	case <-b.done:
		return b.InventoryStore.Reserve(ctx, r, ev)
	case <-ctx.Done():
		return inventory.Reservation{}, false, ctx.Err()
	}
	res := <-req.reply // always answered: the worker owns req now
	return res.r, res.created, res.err
}

func (b *ReserveBatcher) run() {
	defer b.wg.Done()
	for {
		var first *batchReq
		select {
		case first = <-b.queue:
		case <-b.done:
			// Answer what is queued, then stop.
			for {
				select {
				case req := <-b.queue:
					b.apply([]*batchReq{req})
				default:
					return
				}
			}
		}
		batch := []*batchReq{first}
	fill:
		for len(batch) < b.opts.MaxBatch {
			select {
			case req := <-b.queue:
				batch = append(batch, req)
			default:
				break fill
			}
		}
		b.apply(batch)
	}
}

// apply answers every request of batch.
func (b *ReserveBatcher) apply(batch []*batchReq) {
	live := batch[:0]
	for _, req := range batch {
		if err := req.ctx.Err(); err != nil {
			req.reply <- batchResult{err: err}
			continue
		}
		live = append(live, req)
	}
	if len(live) == 0 {
		return
	}
	if len(live) > 1 {
		ctx, cancel := context.WithTimeout(context.Background(), b.opts.Timeout)
		results, err := b.reserveBatch(ctx, live)
		cancel()
		if err == nil {
			for i, req := range live {
				req.reply <- results[i]
			}
			return
		}
	}
	for _, req := range live { // one by one
		r, created, err := b.InventoryStore.Reserve(req.ctx, req.r, req.ev)
		req.reply <- batchResult{r, created, err}
	}
}

// errBatch says the batch must be made one reservation at a time.
var errBatch = errors.New("pgstore: batch abandoned")

// reserveBatch reserves the requests in one transaction; an error means
// nothing was saved and the caller reserves them one by one.
func (b *ReserveBatcher) reserveBatch(ctx context.Context, reqs []*batchReq) ([]batchResult, error) {
	results := make([]batchResult, len(reqs))
	err := b.db.tx(ctx, func(tx pgx.Tx) error {
		var keys []levelKey
		seenID := map[oms.ID]bool{}
		for _, req := range reqs {
			if seenID[req.r.ID] {
				return errBatch // the same ID twice: the second is a replay of the first
			}
			seenID[req.r.ID] = true
			for _, ln := range req.r.Lines {
				keys = append(keys, levelKey{ln.SKU, ln.Location})
			}
		}
		items, active, err := loadPairs(ctx, tx, keys)
		if err != nil {
			return err
		}
		// Each reservation's pair checks, as Reserve makes them.
		outs := make([]inventory.Reservation, len(reqs))
		ok := make([]bool, len(reqs))
		tracked := map[levelKey]bool{}
		for i, req := range reqs {
			r := req.r.Clone()
			r.Status, r.Version = inventory.StatusActive, 1
			results[i].err = nil
			for j := range r.Lines {
				ln := &r.Lines[j]
				ln.Committed, ln.Released, ln.Untracked = 0, 0, false
				if results[i].err != nil {
					continue
				}
				it := items[ln.SKU]
				act, found := active[ln.Location]
				switch {
				case it == nil:
					results[i].err = oms.NotFoundError("sku", ln.SKU)
				case !found:
					results[i].err = oms.NotFoundError("location", ln.Location)
				case !act:
					results[i].err = inactiveLocation(ln.Location)
				default:
					ln.Untracked = !it.item.Tracked
				}
			}
			outs[i], ok[i] = r, results[i].err == nil
			if ok[i] {
				for _, k := range trackedKeys(r) {
					tracked[k] = true
				}
			}
		}
		tk := make([]levelKey, 0, len(tracked))
		for k := range tracked {
			tk = append(tk, k)
		}
		sortKeys(tk)
		var lvs map[levelKey]*inventory.Level
		if len(tk) > 0 {
			if lvs, err = lockLevels(ctx, tx, tk); err != nil {
				if errors.Is(err, errMissingLevels) {
					return errBatch
				}
				return err
			}
			var pre []string
			for _, k := range tk {
				if items[k.sku].preorder() && (len(pre) == 0 || pre[len(pre)-1] != string(k.sku)) {
					pre = append(pre, string(k.sku))
				}
			}
			if err := lockCounters(ctx, tx, items, pre); err != nil {
				return err
			}
		}
		// Decide each reservation in arrival order against what the
		// earlier ones left.
		before := map[levelKey]inventory.Level{}
		for k, lv := range lvs {
			before[k] = *lv
		}
		startCounters := map[oms.SKU]int64{}
		for sku, it := range items {
			startCounters[sku] = it.backordered
		}
		var accepted []int
		for i := range reqs {
			if !ok[i] {
				continue
			}
			short, added := checkLines(outs[i], lvs, items)
			if len(short) > 0 {
				results[i].err = &inventory.ShortageError{Op: "reserve", ID: outs[i].ID, Lines: short}
				continue
			}
			for k, q := range added {
				lv := lvs[k]
				rise := backorders(lv.OnHand, lv.Reserved+q) - backorders(lv.OnHand, lv.Reserved)
				lv.Reserved += q
				items[k.sku].backordered += rise
			}
			accepted = append(accepted, i)
		}
		if len(accepted) == 0 {
			return nil
		}
		// Write the levels and counters: the sum of what was accepted.
		var ws []levelWrite
		rises := map[oms.SKU]int64{}
		for _, k := range tk {
			lv, was := lvs[k], before[k]
			q := lv.Reserved - was.Reserved
			if q == 0 {
				continue
			}
			w := levelWrite{key: k, reserved: q, capacity: -1}
			if it := items[k.sku]; !it.unlimited() {
				w.capacity = it.capAt(k.loc)
			}
			ws = append(ws, w)
		}
		for sku, it := range items {
			if d := it.backordered - startCounters[sku]; d != 0 {
				it.backordered = startCounters[sku] // writeLevels checks the rise against the locked value
				rises[sku] = d
			}
		}
		var stmts []checkedStmt
		if len(ws) > 0 {
			stmts = levelStmts(ws, items, rises)
		}
		n := len(accepted)
		rids, refs, docs := make([]string, n), make([]string, n), make([]string, n)
		exp := make([]*time.Time, n)
		ns := make([]int16, n)
		var evs []oms.Event
		for j, i := range accepted {
			r := outs[i]
			d, err := doc(r)
			if err != nil {
				return err
			}
			rids[j], refs[j], docs[j], ns[j] = string(r.ID), r.Reference, d, nsPart(r.ExpiresAt)
			if !r.ExpiresAt.IsZero() {
				t := r.ExpiresAt
				exp[j] = &t
			}
			if reqs[i].ev.ID != "" {
				evs = append(evs, reqs[i].ev)
			}
		}
		// An ID saved meanwhile (a replay, another process): answer one by one.
		stmts = append(stmts, checkedStmt{what: "insert reservations", want: n, mismatch: errBatch, args: []any{rids, refs, exp, ns, docs},
			sql: `INSERT INTO inv_reservations (id, reference, status, version, expires_at, expires_ns, doc)
			SELECT id, ref, 'active', 1, exp, ns, d FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::smallint[], $5::jsonb[])
				WITH ORDINALITY AS u(id, ref, exp, ns, d, n)
			ORDER BY n
			ON CONFLICT (id) DO NOTHING`})
		if len(evs) > 0 {
			stmts = append(stmts, checkedStmt{what: "outbox append", want: -1, sql: appendEventsSQL, args: eventArrays(evs)})
		}
		if err := runStmts(ctx, tx, stmts); err != nil {
			return err
		}
		for _, i := range accepted {
			results[i] = batchResult{r: outs[i], created: true}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return results, nil
}
