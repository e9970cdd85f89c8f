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

var idGen = struct {
	sync.Mutex
	entropy io.Reader
}{entropy: ulid.Monotonic(rand.Reader, 0)}

// NewID returns a new ULID from the system clock. Within one process IDs
// are strictly increasing, so IDs made one after another sort in creation
// order. It is safe for concurrent use.
func NewID() ID { return NewIDAt(time.Now()) }

// NewIDAt returns a new ULID for time t (use it with a Clock). IDs made in
// the same millisecond are strictly increasing. It is safe for concurrent use.
func NewIDAt(t time.Time) ID {
	idGen.Lock()
	defer idGen.Unlock()
	u, err := ulid.New(ulid.Timestamp(t), idGen.entropy)
	if err != nil {
		// The monotonic entropy overflowed within one millisecond (after
		// 2^80 IDs) or t is out of range: restart the entropy and retry.
		idGen.entropy = ulid.Monotonic(rand.Reader, 0)
		u = ulid.MustNew(ulid.Timestamp(clampTime(t)), idGen.entropy)
	}
	return ID(u.String())
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
	h := sha256.New()
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(len(parent)))
	h.Write(n[:])
	h.Write([]byte(parent))
	h.Write([]byte(purpose))
	sum := h.Sum(nil)
	var u ulid.ULID
	if p, err := ulid.ParseStrict(string(parent)); err == nil {
		copy(u[:6], p[:6])
	}
	copy(u[6:], sum[:10])
	return ID(u.String())
}
