package inventory

import (
	"math"
	"strconv"
	"time"

	"github.com/omskit/oms"
)

// Channel names a sales channel, such as "web", "pos" or "amazon": 1 to
// 256 bytes of UTF-8 without NUL (every order channel fits).
type Channel string

// LocationKind says what a location is.
type LocationKind string

// Location kinds.
const (
	// KindWarehouse is a distribution centre the shop runs.
	KindWarehouse LocationKind = "warehouse"
	// KindStore is a retail shop that can sell, ship from or hand over.
	KindStore LocationKind = "store"
	// KindThirdParty is a warehouse run by a logistics provider (3PL).
	KindThirdParty LocationKind = "third_party"
	// KindDropship is a supplier that ships directly to customers.
	KindDropship LocationKind = "dropship"
)

// Valid reports whether k is a known kind.
func (k LocationKind) Valid() bool {
	switch k {
	case KindWarehouse, KindStore, KindThirdParty, KindDropship:
		return true
	}
	return false
}

// Coordinates is a position in decimal degrees (WGS 84).
type Coordinates struct {
	Latitude  float64 `json:"latitude"`
	Longitude float64 `json:"longitude"`
}

// Location is a place that holds stock: a warehouse, a shop, a 3PL or a
// dropship supplier.
type Location struct {
	// ID identifies the location.
	ID oms.ID `json:"id"`
	// Name is shown to people: 1 to 256 bytes of UTF-8 without NUL.
	Name string `json:"name"`
	// Kind says what the location is.
	Kind LocationKind `json:"kind"`
	// Address is where it is.
	Address oms.Address `json:"address"`
	// Coordinates, when set, let allocation measure distances.
	Coordinates *Coordinates `json:"coordinates,omitempty"`
	// Active locations count towards availability; inactive ones keep their
	// stock and ledger but sell nothing.
	Active bool `json:"active"`
	// Priority orders locations for allocation: lower first.
	Priority int `json:"priority"`
	// Channels lists the channels the location sells to.
	Channels []Channel `json:"channels,omitempty"`
	// Ships says the location sends parcels.
	Ships bool `json:"ships"`
	// Pickup says customers can collect orders there.
	Pickup bool `json:"pickup"`
	// CalendarID names the host's business calendar for the location
	// (opening hours, cut-off times). The package stores it for hosts and
	// for the fulfillment package; it does not interpret it. At most 256
	// bytes of UTF-8 without NUL.
	CalendarID string `json:"calendar_id,omitempty"`
}

// maxChannel bounds a channel's name in bytes: an order's channel (64
// characters of up to 4 bytes) always fits.
const maxChannel = 256

// channelProblem describes why c cannot name a channel (empty, longer
// than maxChannel bytes, or text that events and stores cannot carry as
// is; see textProblem), or returns "".
func channelProblem(c Channel) string {
	switch {
	case c == "":
		return "must not be empty"
	case len(c) > maxChannel:
		return "longer than " + strconv.Itoa(maxChannel) + " bytes"
	}
	return textProblem(string(c))
}

// Serves reports whether l sells to channel c.
func (l Location) Serves(c Channel) bool {
	for _, x := range l.Channels {
		if x == c {
			return true
		}
	}
	return false
}

// Validate returns a *oms.ValidationError listing every problem, or nil.
func (l Location) Validate() error {
	v := &oms.ValidationError{Entity: "location"}
	if err := validateKey(string(l.ID)); err != nil {
		v.Add("id", "%s", err)
	}
	if l.Name == "" {
		v.Add("name", "must not be empty")
	} else if len(l.Name) > maxReference {
		v.Add("name", "longer than %d bytes", maxReference)
	} else if msg := textProblem(l.Name); msg != "" {
		v.Add("name", "%s", msg)
	}
	if !l.Kind.Valid() {
		v.Add("kind", "unknown kind %q", l.Kind)
	}
	if l.Address != (oms.Address{}) {
		v.Merge("address", l.Address.Validate())
	}
	if c := l.Coordinates; c != nil {
		if !(c.Latitude >= -90 && c.Latitude <= 90) {
			v.Add("coordinates.latitude", "must be within [-90, 90], got %v", c.Latitude)
		}
		if !(c.Longitude >= -180 && c.Longitude <= 180) {
			v.Add("coordinates.longitude", "must be within [-180, 180], got %v", c.Longitude)
		}
	}
	if len(l.CalendarID) > maxReference {
		v.Add("calendar_id", "longer than %d bytes", maxReference)
	} else if msg := textProblem(l.CalendarID); msg != "" {
		v.Add("calendar_id", "%s", msg)
	}
	for i, c := range l.Channels {
		if msg := channelProblem(c); msg != "" {
			v.Add(fieldIndex("channels", i), "%s", msg)
		}
		for j := 0; j < i; j++ {
			if l.Channels[j] == c {
				v.Add(fieldIndex("channels", i), "duplicate channel %q", c)
			}
		}
	}
	return v.Err()
}

func copyLocation(l Location) Location {
	if l.Coordinates != nil {
		c := *l.Coordinates
		l.Coordinates = &c
	}
	if l.Channels != nil {
		l.Channels = append([]Channel(nil), l.Channels...)
	}
	return l
}

// BackorderMode says whether a SKU may be promised beyond its on-hand stock.
type BackorderMode string

// Backorder modes.
const (
	// BackorderDeny never promises more than is on hand (the default).
	BackorderDeny BackorderMode = "deny"
	// BackorderAllow promises without limit; the excess waits for stock.
	BackorderAllow BackorderMode = "allow"
	// BackorderPreorder promises up to a limit beyond on hand, for stock
	// expected at a date.
	BackorderPreorder BackorderMode = "preorder"
)

// Valid reports whether m is a known mode.
func (m BackorderMode) Valid() bool {
	switch m {
	case BackorderDeny, BackorderAllow, BackorderPreorder:
		return true
	}
	return false
}

// BackorderPolicy is a SKU's rule for promising stock it does not have.
//
// The units a level has promised beyond its on-hand stock are its
// backorders: max(reserved − on hand, 0). Under BackorderPreorder the SKU's
// backorders, summed over every location, never exceed Limit: the store
// keeps that sum as one per-SKU counter and raises it in the same atomic
// write as the levels (see Store). LocationLimits optionally caps each
// location's share as well.
type BackorderPolicy struct {
	// Mode is deny, allow or preorder. Empty means deny.
	Mode BackorderMode `json:"mode"`
	// Limit is, for preorders, how many units the SKU may promise beyond
	// its on-hand stock in total, across all locations: 0 to
	// oms.MaxQuantity.
	Limit int64 `json:"limit,omitempty"`
	// LocationLimits, for preorders, caps the units each location may
	// promise beyond its on-hand stock (within Limit). Nil lets any
	// location take preorders up to Limit; when set, a location not listed
	// takes none (say, one with no purchase order coming). Values are 0 to
	// oms.MaxQuantity. An empty map (no location takes preorders) stays
	// one through JSON: only a nil map is left out.
	LocationLimits map[oms.ID]int64 `json:"location_limits,omitzero"`
	// ExpectedAt is, for preorders, when the stock is expected (up to year
	// 9999).
	ExpectedAt time.Time `json:"expected_at,omitzero"`
}

// Allowance returns how many units the level of the SKU at loc may promise
// beyond its on-hand stock (0 under BackorderDeny; for preorders the
// location's cap, or Limit when there are no per-location caps; the SKU-wide
// Limit applies on top), and false when there is no limit (BackorderAllow).
func (p BackorderPolicy) Allowance(loc oms.ID) (int64, bool) {
	switch p.Mode {
	case BackorderAllow:
		return 0, false
	case BackorderPreorder:
		if p.LocationLimits == nil {
			return p.Limit, true
		}
		return min(p.LocationLimits[loc], p.Limit), true
	}
	return 0, true
}

// preorderExtra returns how many more units the SKU may promise beyond
// on-hand stock at the locations sel (active ones, each once): the smaller
// of what remains of the SKU-wide limit (after the backorders of every
// level) and the sum of what remains of each selected location's cap. It
// is 0 unless the policy is a preorder.
func preorderExtra(p BackorderPolicy, levels []Level, sku oms.SKU, sel []oms.ID) int64 {
	if p.Mode != BackorderPreorder {
		return 0
	}
	// A level listed twice counts once: its last listing.
	at := map[oms.ID]int64{}
	for _, l := range levels {
		if l.SKU == sku {
			at[l.Location] = max(l.Reserved-l.OnHand, 0)
		}
	}
	var backordered int64
	for _, b := range at {
		backordered = satAdd(backordered, b)
	}
	var room int64
	for _, id := range sel {
		c, _ := p.Allowance(id)
		room = satAdd(room, max(c-at[id], 0))
	}
	return max(min(satSub(p.Limit, backordered), room), 0)
}

// satAdd adds without wrapping: the result saturates at the int64 range.
func satAdd(a, b int64) int64 {
	s := a + b
	if (s > a) != (b > 0) {
		if b > 0 {
			return math.MaxInt64
		}
		return math.MinInt64
	}
	return s
}

// satSub subtracts without wrapping.
func satSub(a, b int64) int64 {
	if b == math.MinInt64 {
		return satAdd(satAdd(a, math.MaxInt64), 1)
	}
	return satAdd(a, -b)
}

// Item holds the per-SKU settings.
type Item struct {
	// SKU identifies the item.
	SKU oms.SKU `json:"sku"`
	// Tracked items have their stock counted and reserved; untracked ones
	// (digital goods, made to order) are always available and move no stock.
	Tracked bool `json:"tracked"`
	// Backorder is the rule for promising stock not on hand.
	Backorder BackorderPolicy `json:"backorder"`
	// SafetyStock is held back from every channel's sellable quantity:
	// 0 to oms.MaxQuantity units.
	SafetyStock int64 `json:"safety_stock,omitempty"`
	// ChannelBuffers holds back extra units per channel, on top of the
	// safety stock: 0 to oms.MaxQuantity units each.
	ChannelBuffers map[Channel]int64 `json:"channel_buffers,omitzero"`
	// ReorderPoint is the availability (across active locations) at or
	// below which a low-stock event is sent. Zero disables the event.
	ReorderPoint int64 `json:"reorder_point,omitempty"`
}

// Validate returns a *oms.ValidationError listing every problem, or nil.
func (it Item) Validate() error {
	v := &oms.ValidationError{Entity: "item"}
	if err := validateSKU(it.SKU); err != nil {
		v.Add("sku", "%s", err)
	}
	if it.Backorder.Mode != "" && !it.Backorder.Mode.Valid() {
		v.Add("backorder.mode", "unknown mode %q", it.Backorder.Mode)
	}
	if q := it.Backorder.Limit; q < 0 || q > oms.MaxQuantity {
		v.Add("backorder.limit", "%s", quantityProblem(q, 0))
	}
	if it.Backorder.LocationLimits != nil && it.Backorder.Mode != BackorderPreorder {
		v.Add("backorder.location_limits", "apply to preorders only")
	}
	for loc, q := range it.Backorder.LocationLimits {
		if err := validateKey(string(loc)); err != nil {
			v.Add("backorder.location_limits", "location %q: %s", loc, err)
		}
		if q < 0 || q > oms.MaxQuantity {
			v.Add("backorder.location_limits."+string(loc), "%s", quantityProblem(q, 0))
		}
	}
	if it.Backorder.Mode == BackorderPreorder && it.Backorder.ExpectedAt.IsZero() {
		v.Add("backorder.expected_at", "is required for preorders")
	} else if at := it.Backorder.ExpectedAt; !at.IsZero() && !jsonTime(at) {
		v.Add("backorder.expected_at", "%s is after year 9999 or has an offset of a day or more or with seconds", at.Format(time.RFC3339))
	}
	if q := it.SafetyStock; q < 0 || q > oms.MaxQuantity {
		v.Add("safety_stock", "%s", quantityProblem(q, 0))
	}
	if q := it.ReorderPoint; q < 0 || q > oms.MaxQuantity {
		v.Add("reorder_point", "%s", quantityProblem(q, 0))
	}
	for c, n := range it.ChannelBuffers {
		if msg := channelProblem(c); msg != "" {
			v.Add("channel_buffers", "channel %.64q: %s", c, msg)
			continue // its name is no field path
		}
		if n < 0 || n > oms.MaxQuantity {
			v.Add("channel_buffers."+string(c), "%s", quantityProblem(n, 0))
		}
	}
	return v.Err()
}

func copyItem(it Item) Item {
	if it.Backorder.Mode == "" {
		it.Backorder.Mode = BackorderDeny
	}
	if it.ChannelBuffers != nil {
		m := make(map[Channel]int64, len(it.ChannelBuffers))
		for k, v := range it.ChannelBuffers {
			m[k] = v
		}
		it.ChannelBuffers = m
	}
	if it.Backorder.LocationLimits != nil {
		m := make(map[oms.ID]int64, len(it.Backorder.LocationLimits))
		for k, v := range it.Backorder.LocationLimits {
			m[k] = v
		}
		it.Backorder.LocationLimits = m
	}
	return it
}

// Level is the stock of one SKU at one location. Available is derived,
// never stored.
type Level struct {
	SKU      oms.SKU `json:"sku"`
	Location oms.ID  `json:"location"`
	// OnHand is sellable-condition stock physically at the location,
	// including units reserved for customers.
	OnHand int64 `json:"on_hand"`
	// Reserved is promised to reservations and not yet shipped. It may
	// exceed OnHand only when the SKU's backorder policy allows.
	Reserved int64 `json:"reserved"`
	// Incoming is expected at the location: open purchase receipts and
	// transfers in transit.
	Incoming int64 `json:"incoming"`
	// Damaged is physically at the location but quarantined: not sellable.
	Damaged int64 `json:"damaged"`
	// Seq is the store's change sequence number of the level's last change.
	Seq int64 `json:"seq"`
}

// Available returns OnHand minus Reserved: what can still be promised from
// stock. It is negative when backorders exceed stock.
func (l Level) Available() int64 { return l.OnHand - l.Reserved }

// quantityProblem describes a quantity outside [min, oms.MaxQuantity].
func quantityProblem(q, min int64) string {
	switch {
	case q < 0 && min == 0:
		return "must not be negative, got " + strconv.FormatInt(q, 10)
	case q < min:
		return "must be positive, got " + strconv.FormatInt(q, 10)
	}
	return "must be at most 2^50, got " + strconv.FormatInt(q, 10)
}

func validateSKU(s oms.SKU) error {
	return oms.ValidateSKU(s)
}

type keyError string

// Error returns the message.
func (e keyError) Error() string { return string(e) }

// validKey reports whether s is a usable key: 1 to 128 bytes of printable
// ASCII without spaces.
func validKey(s string) bool {
	if s == "" || len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c > '~' {
			return false
		}
	}
	return true
}

func validateKey(s string) error {
	if s == "" {
		return keyError("must not be empty")
	}
	if len(s) > 128 {
		return keyError("longer than 128 bytes")
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c > '~' {
			return keyError("must be printable ASCII without spaces")
		}
	}
	return nil
}

func fieldIndex(name string, i int) string {
	return name + "[" + strconv.Itoa(i) + "]"
}

// jsonTime reports whether encoding/json can write t (as RFC 3339) and
// read it back as the same instant: a year from 0 to 9999 and a zone
// offset under a day in whole minutes (RFC 3339 has no seconds there, so
// an offset of 30 seconds would be written as another instant).
func jsonTime(t time.Time) bool {
	_, off := t.Zone()
	y := t.Year()
	return y >= 0 && y <= 9999 && off > -24*3600 && off < 24*3600 && off%60 == 0
}
