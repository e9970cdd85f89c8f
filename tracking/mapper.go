package tracking

import (
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// Mapping is a normalized status and reason.
type Mapping struct {
	// Status is the normalized status; Reason why, when the code says
	// (empty otherwise).
	Status Status `json:"status"`
	Reason Reason `json:"reason,omitempty"`
}

// Mapper turns a source's raw status code and sub-code into a Mapping. It
// never fails: a code it does not know maps to StatusUnknown (the caller
// keeps the raw code on the Event). Mappers are safe for concurrent use.
type Mapper interface {
	Map(code, subcode string) Mapping
}

// MapEvent returns an Event with the mapping of m and the raw values kept;
// a nil m maps every code to StatusUnknown.
func MapEvent(m Mapper, code, subcode, text string) Event {
	mp := Mapping{Status: StatusUnknown}
	if m != nil {
		mp = m.Map(code, subcode)
	}
	return Event{Status: mp.Status, Reason: mp.Reason, RawCode: code, RawSubcode: subcode, RawText: text}
}

// EasyPostMapper maps EasyPost tracker statuses (status) and status details
// (status_detail). The zero value is ready to use.
type EasyPostMapper struct{}

var easyPostStatus = map[string]Mapping{
	"pre_transit":          {StatusPreTransit, ""},
	"in_transit":           {StatusInTransit, ""},
	"out_for_delivery":     {StatusOutForDelivery, ""},
	"delivered":            {StatusDelivered, ""},
	"available_for_pickup": {StatusAvailableForPickup, ""},
	"return_to_sender":     {StatusReturning, ReasonReturnToSender},
	"failure":              {StatusDeliveryFailed, ReasonUndeliverable},
	"cancelled":            {StatusCancelled, ""},
	// A tracking-API error (an invalid or test number), not a problem
	// with the parcel: unknown, so it never hides a known status nor
	// tells the customer of a delay.
	"error":   {StatusUnknown, ReasonTrackingError},
	"unknown": {StatusUnknown, ""},
}

// easyPostDetail gives the reason carried by an EasyPost status_detail.
var easyPostDetail = map[string]Reason{
	"address_correction": ReasonAddressIssue,
	"damaged":            ReasonDamaged,
	"delayed":            ReasonCarrierDelay,
	"held":               ReasonHeld,
	"lost":               ReasonLost,
	"missorted":          ReasonCarrierDelay,
	"refused":            ReasonRefused,
	"weather_delay":      ReasonWeather,
	"return":             ReasonReturnToSender,
}

// Map implements Mapper. code is the EasyPost status, subcode its
// status_detail.
func (EasyPostMapper) Map(code, subcode string) Mapping {
	m, ok := easyPostStatus[strings.ToLower(strings.TrimSpace(code))]
	if !ok {
		return Mapping{Status: StatusUnknown}
	}
	if r, ok := easyPostDetail[strings.ToLower(strings.TrimSpace(subcode))]; ok && m.Status != StatusDelivered {
		m.Reason = r
	}
	return m
}

// ShippoMapper maps Shippo tracking statuses (PRE_TRANSIT, TRANSIT,
// DELIVERED, RETURNED, FAILURE, UNKNOWN) refined by the substatus code.
// The zero value is ready to use.
type ShippoMapper struct{}

var shippoStatus = map[string]Mapping{
	"PRE_TRANSIT": {StatusPreTransit, ""},
	"TRANSIT":     {StatusInTransit, ""},
	"DELIVERED":   {StatusDelivered, ""},
	"RETURNED":    {StatusReturned, ReasonReturnToSender},
	"FAILURE":     {StatusException, ""},
	"UNKNOWN":     {StatusUnknown, ""},
}

// shippoSubstatus refines a Shippo status. An empty Status keeps the
// status from shippoStatus and sets only the reason.
var shippoSubstatus = map[string]Mapping{
	"information_received":  {StatusPreTransit, ""},
	"address_issue":         {StatusException, ReasonAddressIssue},
	"contact_carrier":       {StatusException, ReasonContactCarrier},
	"delayed":               {"", ReasonCarrierDelay},
	"delivery_attempted":    {StatusDeliveryFailed, ""},
	"delivery_rescheduled":  {"", ReasonRescheduled},
	"delivery_scheduled":    {"", ""},
	"location_inaccessible": {StatusDeliveryFailed, ReasonLocationInaccessible},
	"notice_left":           {StatusDeliveryFailed, ReasonNoticeLeft},
	"out_for_delivery":      {StatusOutForDelivery, ""},
	"package_accepted":      {StatusInTransit, ""},
	"package_arrived":       {StatusInTransit, ""},
	"package_damaged":       {StatusException, ReasonDamaged},
	"package_departed":      {StatusInTransit, ""},
	"package_forwarded":     {StatusInTransit, ""},
	"package_held":          {StatusException, ReasonHeld},
	"package_processed":     {StatusInTransit, ""},
	"package_processing":    {StatusInTransit, ""},
	"pickup_available":      {StatusAvailableForPickup, ""},
	"reschedule_delivery":   {StatusDeliveryFailed, ReasonRescheduled},
	"delivered":             {StatusDelivered, ""},
	"return_to_sender":      {StatusReturning, ReasonReturnToSender},
	"package_unclaimed":     {StatusReturning, ReasonUnclaimed},
	"package_undeliverable": {StatusException, ReasonUndeliverable},
	"package_disposed":      {StatusException, ReasonDisposed},
	"package_lost":          {StatusException, ReasonLost},
	"other":                 {"", ""},
}

// Map implements Mapper. code is the Shippo status, subcode the substatus
// code. A substatus refines the status only within its status's family:
// a DELIVERED status is never turned into anything else by a substatus,
// and a RETURNED one stays in the return family (Shippo's RETURNED covers
// both the way back and the arrival there): RETURNED with the delivered
// substatus is returned, with a substatus that maps to another status
// returning, keeping the substatus's reason.
func (ShippoMapper) Map(code, subcode string) Mapping {
	m, ok := shippoStatus[strings.ToUpper(strings.TrimSpace(code))]
	if !ok {
		return Mapping{Status: StatusUnknown}
	}
	sub, ok := shippoSubstatus[strings.ToLower(strings.TrimSpace(subcode))]
	if !ok || m.Status == StatusDelivered || m.Status == StatusUnknown {
		return m
	}
	if m.Status == StatusReturned && sub.Status != "" {
		switch sub.Status {
		case StatusDelivered:
			sub.Status = StatusReturned
		case StatusReturning, StatusReturned:
		default:
			sub.Status = StatusReturning
		}
		if sub.Reason == "" {
			sub.Reason = m.Reason
		}
	}
	if sub.Status != "" {
		m.Status = sub.Status
	}
	if sub.Reason != "" || sub.Status != "" {
		m.Reason = sub.Reason
	}
	return m
}

// AfterShipMapper maps AfterShip delivery status tags and subtags. Subtags
// are an open set: a known subtag refines the tag (Exception_010 is a
// return to sender, Exception_011 a completed return), an unknown one
// keeps the tag's mapping. Tags and subtags are matched ignoring case and
// surrounding spaces. The zero value is ready to use.
type AfterShipMapper struct{}

var afterShipTag = map[string]Mapping{
	"Pending":            {StatusPreTransit, ""},
	"InfoReceived":       {StatusPreTransit, ""},
	"InTransit":          {StatusInTransit, ""},
	"OutForDelivery":     {StatusOutForDelivery, ""},
	"AttemptFail":        {StatusDeliveryFailed, ""},
	"Delivered":          {StatusDelivered, ""},
	"AvailableForPickup": {StatusAvailableForPickup, ""},
	"Exception":          {StatusException, ""},
	"Expired":            {StatusExpired, ""},
}

var afterShipSubtag = map[string]Mapping{
	"AttemptFail_002": {StatusDeliveryFailed, ReasonRecipientUnavailable},
	"AttemptFail_003": {StatusDeliveryFailed, ReasonBusinessClosed},
	"Exception_002":   {StatusException, ReasonRecipientMoved},
	"Exception_003":   {StatusException, ReasonRefused},
	"Exception_004":   {StatusException, ReasonCustoms},
	"Exception_005":   {StatusException, ReasonCarrierDelay},
	"Exception_006":   {StatusException, ReasonPaymentRequired},
	"Exception_007":   {StatusException, ReasonAddressIssue},
	"Exception_008":   {StatusException, ReasonMissedPickup},
	"Exception_009":   {StatusException, ReasonRejectedByCarrier},
	"Exception_010":   {StatusReturning, ReasonReturnToSender},
	"Exception_011":   {StatusReturned, ReasonReturnToSender},
	"Exception_012":   {StatusException, ReasonDamaged},
	"Exception_013":   {StatusException, ReasonLost},
}

// afterShipTagKey and afterShipSubtagKey find a tag and a subtag ignoring
// case.
var afterShipTagKey, afterShipSubtagKey = foldKeys(afterShipTag), foldKeys(afterShipSubtag)

// foldKeys maps the lower case of each key of m to the key.
func foldKeys(m map[string]Mapping) map[string]string {
	out := make(map[string]string, len(m))
	for k := range m {
		out[strings.ToLower(k)] = k
	}
	return out
}

// Map implements Mapper. code is the AfterShip tag, subcode the subtag;
// both are matched ignoring case and surrounding spaces.
func (AfterShipMapper) Map(code, subcode string) Mapping {
	sub := strings.TrimSpace(subcode)
	tag, ok := afterShipTagKey[strings.ToLower(strings.TrimSpace(code))]
	if !ok {
		// A subtag names its tag ("Exception_011"), so use it when the tag
		// itself is missing or unknown.
		if i := strings.IndexByte(sub, '_'); i > 0 {
			if t, ok := afterShipTagKey[strings.ToLower(sub[:i])]; ok {
				tag = t
			}
		}
		if tag == "" {
			return Mapping{Status: StatusUnknown}
		}
	}
	m := afterShipTag[tag]
	if k, ok := afterShipSubtagKey[strings.ToLower(sub)]; ok && strings.HasPrefix(k, tag+"_") {
		m = afterShipSubtag[k]
	}
	return m
}

// TableMapper maps a carrier's own codes through a table the host fills
// in. Codes are matched exactly first and then ignoring case, and always
// ignoring the spaces around the code and the sub-code (in the table as in
// Map); a code with a sub-code may be listed as "code/subcode" to override
// the code alone.
// Unlisted codes map to Default, or to StatusUnknown when Default is zero.
// The zero value is an empty table for no named carrier. It is safe for
// concurrent use, Set included.
type TableMapper struct {
	mu      sync.RWMutex
	codes   map[string]Mapping
	folded  map[string]Mapping
	deflt   Mapping
	carrier string
}

// NewTableMapper returns a mapper for carrier's codes with the given table
// (copied).
func NewTableMapper(carrier string, table map[string]Mapping) *TableMapper {
	m := &TableMapper{codes: map[string]Mapping{}, folded: map[string]Mapping{}, carrier: carrier}
	for k, v := range table {
		m.Set(k, v)
	}
	return m
}

// Carrier returns the carrier the table is for.
func (m *TableMapper) Carrier() string { return m.carrier }

// Set adds or replaces the mapping of code (or "code/subcode"). An invalid
// status is stored as StatusUnknown, an ill-shaped reason as ReasonOther.
func (m *TableMapper) Set(code string, mp Mapping) {
	if !mp.Status.Valid() {
		mp.Status = StatusUnknown
	}
	if !mp.Reason.Valid() {
		mp.Reason = ReasonOther
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.codes == nil {
		m.codes, m.folded = map[string]Mapping{}, map[string]Mapping{}
	}
	code = tableKey(code)
	m.codes[code] = mp
	m.folded[foldCase(code)] = mp
}

// foldCase is s in lower case, its invalid UTF-8 bytes kept as they are
// (strings.ToLower would turn each into U+FFFD, and two different garbled
// codes would then match).
func foldCase(s string) string {
	if utf8.ValidString(s) {
		return strings.ToLower(s)
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			b = append(b, s[i])
		} else {
			b = utf8.AppendRune(b, unicode.ToLower(r))
		}
		i += n
	}
	return string(b)
}

// tableKey is a TableMapper's key for code ("code" or "code/subcode"):
// without the spaces around the code and around the sub-code, as Map
// looks them up.
func tableKey(code string) string {
	code = strings.TrimSpace(code)
	if c, sub, ok := strings.Cut(code, "/"); ok {
		return strings.TrimSpace(c) + "/" + strings.TrimSpace(sub)
	}
	return code
}

// SetDefault sets the mapping of unlisted codes. As with Set, an invalid
// status is stored as StatusUnknown and an ill-shaped reason as
// ReasonOther.
func (m *TableMapper) SetDefault(mp Mapping) {
	if !mp.Status.Valid() {
		mp.Status = StatusUnknown
	}
	if !mp.Reason.Valid() {
		mp.Reason = ReasonOther
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.deflt = mp
}

// Map implements Mapper.
func (m *TableMapper) Map(code, subcode string) Mapping {
	code, subcode = strings.TrimSpace(code), strings.TrimSpace(subcode)
	m.mu.RLock()
	defer m.mu.RUnlock()
	if subcode != "" {
		if mp, ok := m.lookup(code + "/" + subcode); ok {
			return mp
		}
	}
	if mp, ok := m.lookup(code); ok {
		return mp
	}
	if m.deflt.Status != "" {
		return m.deflt
	}
	return Mapping{Status: StatusUnknown}
}

func (m *TableMapper) lookup(k string) (Mapping, bool) {
	k = tableKey(k)
	if mp, ok := m.codes[k]; ok {
		return mp, true
	}
	mp, ok := m.folded[foldCase(k)]
	return mp, ok
}

var (
	_ Mapper = EasyPostMapper{}
	_ Mapper = ShippoMapper{}
	_ Mapper = AfterShipMapper{}
	_ Mapper = (*TableMapper)(nil)
)
