package oms

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"io"
	"sync"
	"time"

	"github.com/oklog/ulid/v2"
)

// ID identifies an entity. IDs made by NewID and DeriveID are ULIDs: 26
// characters of Crockford base 32 that sort by creation time. Hosts may use
// their own strings (a cart ID, an idempotency key) wherever an ID is taken
// from them; ValidateID checks the shape that stores accept.
type ID string

// String returns the ID.
func (id ID) String() string { return string(id) }

// IsZero reports whether id is empty.
func (id ID) IsZero() bool { return id == "" }

// maxIDLength bounds host-supplied IDs.
const maxIDLength = 128

// ValidateID checks that id is usable as a key: 1 to 128 bytes of printable
// ASCII without spaces. The error matches ErrValidation.
func ValidateID(id ID) error {
	if id == "" {
		return Validationf("id", "id", "must not be empty")
	}
	if len(id) > maxIDLength {
		return Validationf("id", "id", "longer than %d bytes", maxIDLength)
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; c <= ' ' || c > '~' {
			return Validationf("id", "id", "byte %d is not printable ASCII", i)
		}
	}
	return nil
}

// ParseID parses a ULID (either case) and returns it in canonical upper
// case. The error matches ErrValidation.
func ParseID(s string) (ID, error) {
	u, err := ulid.ParseStrict(s)
	if err != nil {
		return "", Validationf("id", "id", "%q is not a ULID: %v", truncate(s, 64), err)
	}
	return ID(u.String()), nil
}

// Time returns the creation time encoded in a ULID id, and false when id is
// not a ULID.
func (id ID) Time() (time.Time, bool) {
	u, err := ulid.ParseStrict(string(id))
	if err != nil {
		return time.Time{}, false
	}
	return ulid.Time(u.Time()), true
}

// idGen makes the IDs of NewID and NewIDAt. For each recent millisecond it
// remembers the last ID made, and the next ID of that millisecond is that
// one plus a random increment, so IDs of one millisecond are strictly
// increasing even when calls for other milliseconds come in between (events
// stamped by different clocks, a wall clock that steps back).
var idGen = struct {
	sync.Mutex
	last  map[uint64]idMilli // last ID made for a millisecond
	sysMs uint64             // the latest millisecond NewID used
	tick  uint64             // counts IDs made, for idMilli.used
	// uses lists the uses of last's milliseconds, oldest first; an entry
	// whose used no longer matches last's is stale and skipped. It makes
	// forgetting the least recently used millisecond O(1) amortized.
	uses     []idUse
	usesHead int // uses[:usesHead] are looked at already
}{last: map[uint64]idMilli{}}

// idUse is one use of a millisecond, as idGen.uses lists it.
type idUse struct{ ms, used uint64 }

// idMilli is what idGen remembers of a millisecond: the last ID made for
// it and when (idGen.tick) it was made.
type idMilli struct {
	id   ulid.ULID
	used uint64
}

// maxIDMillis bounds how many milliseconds idGen remembers.
const maxIDMillis = 1024

// NewID returns a new ULID from the system clock. Within one process IDs
// are strictly increasing, so IDs made one after another sort in creation
// order (if the wall clock steps back, NewID keeps using the latest
// millisecond it has seen until the clock catches up). It is safe for
// concurrent use.
func NewID() ID {
	idGen.Lock()
	defer idGen.Unlock()
	ms := ulid.Timestamp(clampTime(time.Now()))
	if ms < idGen.sysMs {
		ms = idGen.sysMs
	}
	u, ok := nextULID(ms)
	for !ok && ms < ulid.MaxTime() {
		// The entropy of this millisecond is used up (after about 2^48
		// IDs): move on to the next one.
		ms++
		u, ok = nextULID(ms)
	}
	idGen.sysMs = ms
	return ID(u.String())
}

// NewIDAt returns a new ULID for time t (use it with a Clock); times before
// 1970 count as the Unix epoch. IDs made for the same millisecond are
// strictly increasing (the generator remembers the 1024 milliseconds
// used most recently, so this holds unless more than that many other
// milliseconds are used in between). It is safe for concurrent use.
func NewIDAt(t time.Time) ID {
	idGen.Lock()
	defer idGen.Unlock()
	u, _ := nextULID(ulid.Timestamp(clampTime(t)))
	return ID(u.String())
}

// nextULID returns an ID for millisecond ms above every ID made for ms so
// far, and false (with a fresh random ID) when none is left above them.
// The caller holds idGen.
func nextULID(ms uint64) (ulid.ULID, bool) {
	var u ulid.ULID
	_ = u.SetTime(ms) // ms is within range: callers clamp it
	prev, seen := idGen.last[ms]
	ok := true
	if seen {
		copy(u[6:], prev.id[6:])
		var inc [4]byte
		randomBytes(inc[:])
		ok = addEntropy(u[6:], uint64(binary.BigEndian.Uint32(inc[:]))+1)
	}
	if !seen || !ok {
		randomBytes(u[6:])
	}
	if !seen && len(idGen.last) >= maxIDMillis {
		forgetLeastUsedMillis()
	}
	idGen.tick++
	idGen.last[ms] = idMilli{id: u, used: idGen.tick}
	if n := len(idGen.uses); n > 0 && idGen.uses[n-1].ms == ms {
		idGen.uses[n-1].used = idGen.tick // the same millisecond again
	} else {
		idGen.uses = append(idGen.uses, idUse{ms, idGen.tick})
	}
	if len(idGen.uses) > 8*maxIDMillis || (idGen.usesHead > maxIDMillis && 2*idGen.usesHead > len(idGen.uses)) {
		compactIDUses()
	}
	return u, ok
}

// compactIDUses drops the stale entries of idGen.uses, keeping the order
// of the others (at most one per remembered millisecond).
func compactIDUses() {
	live := idGen.uses[:0]
	for _, e := range idGen.uses[idGen.usesHead:] {
		if m, ok := idGen.last[e.ms]; ok && m.used == e.used {
			live = append(live, e)
		}
	}
	idGen.uses, idGen.usesHead = live, 0
}

// forgetLeastUsedMillis drops the remembered millisecond used least
// recently, other than the one NewID uses. (Dropping the earliest time
// instead forgot a manual clock standing still while the wall clock
// ticked on, however often it was used.)
func forgetLeastUsedMillis() {
	skippedSys := false
	for idGen.usesHead < len(idGen.uses) {
		e := idGen.uses[idGen.usesHead]
		idGen.usesHead++
		if m, ok := idGen.last[e.ms]; !ok || m.used != e.used {
			continue // stale: used again since, or forgotten
		}
		if e.ms == idGen.sysMs {
			idGen.uses = append(idGen.uses, e) // never forgotten
			if skippedSys {
				break // no other millisecond listed
			}
			skippedSys = true
			continue
		}
		delete(idGen.last, e.ms)
		return
	}
	// Only when uses misses a millisecond (none of NewID's own paths do
	// that): find the least recently used one by looking at them all.
	first := true
	var lru, used uint64
	for ms, m := range idGen.last {
		if ms != idGen.sysMs && (first || m.used < used) {
			lru, used, first = ms, m.used, false
		}
	}
	if !first {
		delete(idGen.last, lru)
	}
}

// addEntropy adds n to the big-endian number e and reports false when the
// sum overflows.
func addEntropy(e []byte, n uint64) bool {
	carry := n
	for i := len(e) - 1; i >= 0 && carry > 0; i-- {
		v := uint64(e[i]) + carry&0xff
		e[i] = byte(v)
		carry = carry>>8 + v>>8
	}
	return carry == 0
}

func randomBytes(b []byte) {
	if _, err := io.ReadFull(rand.Reader, b); err != nil {
		panic("oms: no randomness for IDs: " + err.Error())
	}
}

func clampTime(t time.Time) time.Time {
	if t.Before(time.Unix(0, 0)) {
		return time.Unix(0, 0)
	}
	if max := ulid.Time(ulid.MaxTime()); t.After(max) {
		return max
	}
	return t
}

// DeriveID returns the ID of a follow-up step: the same parent and purpose
// always give the same ID, on every machine and in every release. It is a
// ULID whose time is the parent's (when the parent is a ULID; the Unix epoch
// otherwise) and whose randomness is a SHA-256 hash of parent and purpose.
// A flow that crashed between steps re-derives the same IDs and finds the
// steps already done.
func DeriveID(parent ID, purpose string) ID {
	// Hash the parent's length, the parent and the purpose in one call on
	// a stack buffer (the common case): the same bytes as ever, so derived
	// IDs never change.
	var stack [128]byte
	buf := binary.BigEndian.AppendUint64(stack[:0], uint64(len(parent)))
	buf = append(buf, parent...)
	buf = append(buf, purpose...)
	sum := sha256.Sum256(buf)
	var u ulid.ULID
	if p, err := ulid.ParseStrict(string(parent)); err == nil {
		copy(u[:6], p[:6])
	}
	copy(u[6:], sum[:10])
	return ID(u.String())
}
