package notify

import (
	"context"
	"net/mail"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/omskit/oms"
)

// Store persists notify's state: one Progress document per order, the
// customers' Preferences and the at-most-once claims of sent messages.
// The host implements it over its database; MemoryStore is the in-memory
// implementation, and notifytest.TestStore is the conformance suite every
// implementation runs. Implementations must be safe for concurrent use
// (several relays, several processes).
//
// Refusals and their errors: an empty or invalid ID, a nil Progress, a
// version below 1 or an empty claim key: oms.ErrValidation; a create
// (version 1) of an existing Progress, or an update whose previous version
// is not the stored one: oms.ErrConflict; an update of a missing Progress,
// a missing Progress or Preferences: oms.ErrNotFound; a cancelled context:
// its error. A refused call changes nothing.
type Store interface {
	// Progress returns a copy of the order's Progress, or an error
	// matching oms.ErrNotFound.
	Progress(ctx context.Context, id oms.ID) (*Progress, error)
	// SaveProgress writes p in one atomic write. p.Version is the version
	// being written: 1 creates the document (oms.ErrConflict when it
	// exists), n > 1 replaces version n-1 (oms.ErrConflict when the stored
	// version is another, oms.ErrNotFound when there is none). In SQL:
	// UPDATE progress SET doc = $doc, version = $n, due_at = $due WHERE
	// id = $id AND version = $n-1, zero rows being a conflict.
	SaveProgress(ctx context.Context, p *Progress) error
	// Due returns the IDs of the documents whose DueAt is not zero and not
	// after by, ordered by ID (byte-wise), only IDs after the cursor after
	// (empty: from the start), at most limit of them (limit must be
	// positive). In SQL: WHERE due_at IS NOT NULL AND due_at <= $by AND
	// id > $after ORDER BY id LIMIT $limit.
	Due(ctx context.Context, by time.Time, after oms.ID, limit int) ([]oms.ID, error)

	// Preferences returns the customer's preferences, or an error matching
	// oms.ErrNotFound when none were set.
	Preferences(ctx context.Context, customer oms.ID) (Preferences, error)
	// SetPreferences replaces the customer's preferences.
	SetPreferences(ctx context.Context, customer oms.ID, p Preferences) error

	// Claim takes the claim on the message key for the attempt token,
	// held since at, unless the key is claimed already, atomically across
	// processes (in SQL: INSERT ... ON CONFLICT DO NOTHING on a unique key,
	// then reading the row that is there; never a read followed by an
	// insert). It returns the claim as stored: the caller holds it when
	// its Token is token (and its State ClaimHeld); otherwise another
	// attempt holds it or has sent the message.
	Claim(ctx context.Context, key, token string, at time.Time) (Claim, error)
	// MarkSent records that the message of the claim token holds went
	// out. Marking again a claim token marked sent does nothing. When
	// token does not hold the key (never claimed, released, another
	// attempt's) it returns an error matching oms.ErrConflict and changes
	// nothing.
	MarkSent(ctx context.Context, key, token string) error
	// Release forgets the claim token holds on key, whose send failed, so
	// that a later attempt may send it. It does nothing when token does
	// not hold the key or the claim is marked sent: a late or repeated
	// release never frees another attempt's claim, nor a sent message.
	Release(ctx context.Context, key, token string) error
}

// ClaimState says where the claim on a message stands.
type ClaimState string

const (
	// ClaimHeld: an attempt took the claim and has not yet reported its
	// send.
	ClaimHeld ClaimState = "held"
	// ClaimSent: the message went out.
	ClaimSent ClaimState = "sent"
)

// Valid reports whether s is a known state.
func (s ClaimState) Valid() bool { return s == ClaimHeld || s == ClaimSent }

// Claim is the claim on one message key, as stored: who holds it, whether
// the message went out, and since when. It is how several senders (relays,
// processes) send each message once: the first to claim a key sends the
// message and marks it sent, or releases the claim when the send failed;
// the others leave the message to it, and send it themselves only once the
// claim is released.
type Claim struct {
	// Token names the attempt that holds the claim; the Notifier draws a
	// new one for every flush.
	Token string `json:"token"`
	// State is ClaimHeld until the holder marks the message sent.
	State ClaimState `json:"state"`
	// At is when the claim was taken.
	At time.Time `json:"at"`
}

// MaxClaimToken bounds a claim token's length, in bytes.
const MaxClaimToken = 64

// ValidateClaim checks the key and token of a Claim, MarkSent or Release
// call as every Store must: a non-empty key, and a token of 1 to
// MaxClaimToken printable ASCII bytes without spaces. The error matches
// oms.ErrValidation. Adapters call it so that they refuse what the memory
// store refuses.
func ValidateClaim(key, token string) error {
	v := newProblems("claim")
	if key == "" {
		v.Add("key", "is required")
	}
	switch {
	case token == "":
		v.Add("token", "is required")
	case len(token) > MaxClaimToken:
		v.Add("token", "is longer than %d bytes", MaxClaimToken)
	default:
		for i := 0; i < len(token); i++ {
			if c := token[i]; c <= 0x20 || c >= 0x7f {
				v.Add("token", "must be printable ASCII without spaces")
				break
			}
		}
	}
	return v.Err()
}

// Preferences are a customer's channel preferences and addresses. The
// addresses override those the order's events carry.
type Preferences struct {
	// Locale picks the templates ("de-CH" falls back to "de", then to the
	// default); empty means the Notifier's DefaultLocale.
	Locale string `json:"locale,omitempty"`
	// Channels are the customer's channels for every kind; nil means the
	// Notifier's DefaultChannels, an empty list no channel. (In JSON, nil
	// is left out and an empty list is [].)
	Channels []Channel `json:"channels,omitzero"`
	// PerKind overrides Channels for a kind; an empty (non-nil) list mutes
	// the kind.
	PerKind map[Kind][]Channel `json:"per_kind,omitempty"`
	// Email, Phone and PushToken are the addresses of the e-mail, SMS and
	// push channels; empty ones fall back to the order's contact. Email is
	// one bare address ("ada@example.com", no display name).
	Email     string `json:"email,omitempty"`
	Phone     string `json:"phone,omitempty"`
	PushToken string `json:"push_token,omitempty"`
	// Name is how messages greet the customer; empty falls back to the
	// order's contact.
	Name string `json:"name,omitempty"`
}

// maxField bounds the preferences' text fields.
const maxField = 512

// Validate lists every problem of p; the error matches oms.ErrValidation.
func (p Preferences) Validate() error {
	v := newProblems("preferences")
	check := func(field string, list []Channel) {
		seen := map[Channel]bool{}
		for _, c := range list {
			if !c.Valid() {
				v.Add(field, "unknown channel %q", c)
			}
			if seen[c] {
				v.Add(field, "channel %q listed twice", c)
			}
			seen[c] = true
		}
	}
	check("channels", p.Channels)
	for k, list := range p.PerKind {
		if !k.Valid() || k == KindDigest {
			v.Add("per_kind", "unknown kind %q", k)
		}
		check("per_kind."+string(k), list)
	}
	for field, s := range map[string]string{"locale": p.Locale, "email": p.Email, "phone": p.Phone, "push_token": p.PushToken, "name": p.Name} {
		if len(s) > maxField {
			v.Add(field, "is longer than %d bytes", maxField)
		}
		if !utf8.ValidString(s) {
			v.Add(field, "is not valid UTF-8")
		}
		if strings.IndexFunc(s, unicode.IsControl) >= 0 {
			v.Add(field, "contains a control character")
		}
	}
	if e := p.Email; e != "" && len(e) <= maxField && utf8.ValidString(e) && strings.IndexFunc(e, unicode.IsControl) < 0 {
		// One bare address, as the order package takes a customer's.
		if a, err := mail.ParseAddress(e); err != nil || a.Address != e || !strings.Contains(e[strings.LastIndexByte(e, '@')+1:], ".") {
			v.Add("email", "%q is not an e-mail address", e)
		}
	}
	if len(p.Locale) > 35 {
		v.Add("locale", "is not a locale tag")
	}
	return v.Err()
}

// channelsFor returns the channels the customer wants for kind.
func (p Preferences) channelsFor(kind Kind, defaults []Channel) []Channel {
	chs := p.Channels
	if chs == nil {
		chs = defaults
	}
	if pk, ok := p.PerKind[kind]; ok {
		chs = pk
	}
	return chs
}
