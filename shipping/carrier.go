package shipping

import (
	"context"
	"slices"
	"time"

	"github.com/omskit/oms"
)

// Carrier quotes shipping rates. It is the one interface every carrier
// adapter implements; buying labels, voiding them, tracking, address
// validation and manifests are optional interfaces (LabelBuyer, Voider,
// Tracker, AddressValidator, Manifester) found by type assertion, as
// io.WriterTo is.
//
// Implementations must be safe for concurrent use: a RateShopper calls
// Rates from many goroutines at once.
type Carrier interface {
	// Code returns the carrier's short, stable identifier, such as "ups"
	// or "own_vans". It is unique among the carriers of a RateShopper.
	Code() string
	// Rates returns the carrier's offers for req, with Rate.Carrier set to
	// Code. It should return promptly once ctx is done, with an error
	// wrapping ctx.Err(). A shipment the carrier cannot serve returns an
	// error matching ErrNoService (a *NoServiceError saying why); a bad
	// request returns an error matching oms.ErrValidation.
	Rates(ctx context.Context, req RateRequest) ([]Rate, error)
}

// LabelBuyer is an optional interface of a Carrier that buys labels.
type LabelBuyer interface {
	// BuyLabel buys a label for req. A request with an IdempotencyKey that
	// was already used returns the label first bought for it and buys
	// nothing (so a retry after a timeout never pays twice). A missing key
	// is an error matching oms.ErrValidation.
	BuyLabel(ctx context.Context, req LabelRequest) (Label, error)
}

// Voider is an optional interface of a Carrier that can void (refund) an
// unused label.
type Voider interface {
	// VoidLabel voids the label. Voiding a label already voided returns
	// nil; an unknown label returns an error matching oms.ErrNotFound.
	VoidLabel(ctx context.Context, labelID string) error
}

// Tracker is an optional interface of a Carrier that reports raw tracking
// events for a tracking number. Normalizing them to one status list is the
// tracking package's job; TrackingEvent is deliberately small so that it
// can be converted without importing this package.
type Tracker interface {
	// Track returns the carrier's events for trackingNumber, oldest first.
	// An unknown number returns an error matching oms.ErrNotFound.
	Track(ctx context.Context, trackingNumber string) ([]TrackingEvent, error)
}

// AddressValidator is an optional interface of a Carrier that checks and
// corrects addresses.
type AddressValidator interface {
	// ValidateAddress checks a against the carrier's address database.
	ValidateAddress(ctx context.Context, an oms.Address) (AddressCheck, error)
}

// Manifester is an optional interface of a Carrier that closes out a day's
// labels into a manifest (an end-of-day scan form) for the driver.
type Manifester interface {
	// Manifest creates a manifest for the labels of req.
	Manifest(ctx context.Context, req ManifestRequest) (Manifest, error)
}

// LabelFormat is the file format of a label, stable on the wire.
type LabelFormat string

// Label formats.
const (
	LabelPDF LabelFormat = "pdf"
	LabelPNG LabelFormat = "png"
	LabelZPL LabelFormat = "zpl"
)

// Valid reports whether f is one of the defined formats.
func (f LabelFormat) Valid() bool {
	switch f {
	case LabelPDF, LabelPNG, LabelZPL:
		return true
	}
	return false
}

// LabelRequest asks a LabelBuyer for a label.
type LabelRequest struct {
	// IdempotencyKey identifies the purchase: a replay with the same key
	// returns the first label. Derive it from the shipment (oms.DeriveID)
	// so that a crashed flow that runs again buys nothing new.
	IdempotencyKey string `json:"idempotency_key"`
	// ServiceCode is the carrier service to buy.
	ServiceCode string `json:"service_code"`
	// QuoteID is Rate.QuoteID of the chosen rate, when the carrier gave one.
	QuoteID string `json:"quote_id,omitempty"`
	// Origin is the sender's full address, printed on the label.
	Origin oms.Address `json:"origin"`
	// Destination is the recipient's full address, printed on the label.
	Destination oms.Address `json:"destination"`
	// Parcels are the parcels, one label or tracking number each.
	Parcels []Parcel `json:"parcels"`
	// ShipDate is the day the parcels are handed over.
	ShipDate oms.Date `json:"ship_date"`
	// Return marks a return label.
	Return bool `json:"return,omitempty"`
	// Reference is printed on the label (an order or fulfillment number).
	Reference string `json:"reference,omitempty"`
	// Format is the label file format; empty means the carrier's default.
	Format LabelFormat `json:"format,omitempty"`
}

// Validate returns a *oms.ValidationError listing every problem of r, or
// nil: a missing idempotency key or service code, unknown countries, no
// parcels, a bad parcel, a ship date that is not a valid day
// (oms.Date.Valid; the zero Date is allowed), an unknown format.
func (r LabelRequest) Validate() error {
	v := &oms.ValidationError{Entity: "label request"}
	if r.IdempotencyKey == "" {
		v.Add("idempotency_key", "is required")
	}
	if r.ServiceCode == "" {
		v.Add("service_code", "is required")
	}
	if !oms.ValidCountry(r.Origin.Country) {
		v.Add("origin.country", "unknown country %q", r.Origin.Country)
	}
	if !oms.ValidCountry(r.Destination.Country) {
		v.Add("destination.country", "unknown country %q", r.Destination.Country)
	}
	if len(r.Parcels) == 0 {
		v.Add("parcels", "at least one parcel is required")
	}
	if !r.ShipDate.IsZero() && !r.ShipDate.Valid() {
		v.Add("ship_date", "%04d-%02d-%02d is not a day from year 0 to 9999", r.ShipDate.Year, int(r.ShipDate.Month), r.ShipDate.Day)
	}
	for i, p := range r.Parcels {
		p.validate(v, indexField("parcels", i))
	}
	if r.Format != "" && !r.Format.Valid() {
		v.Add("format", "unknown label format %q", r.Format)
	}
	return v.Err()
}

// Label is a bought shipping label.
type Label struct {
	// ID is the carrier's identifier of the label (used to void it).
	ID string `json:"id"`
	// Carrier is the carrier's code.
	Carrier string `json:"carrier"`
	// ServiceCode is the service bought.
	ServiceCode string `json:"service_code"`
	// TrackingNumbers has one tracking number per parcel, in order.
	TrackingNumbers []string `json:"tracking_numbers"`
	// Price is what the label cost.
	Price oms.Money `json:"price"`
	// Format is the format of Data.
	Format LabelFormat `json:"format,omitempty"`
	// Data is the label file, when the carrier returns it inline.
	Data []byte `json:"data,omitempty"`
	// URL is where to download the label, when the carrier hosts it.
	URL string `json:"url,omitempty"`
	// CreatedAt is when the label was bought.
	CreatedAt time.Time `json:"created_at"`
}

// Clone returns a deep copy of l.
func (l Label) Clone() Label {
	l.TrackingNumbers = slices.Clone(l.TrackingNumbers)
	l.Data = slices.Clone(l.Data)
	return l
}

// TrackingEvent is one raw scan or status message from a carrier, before
// normalization. Its fields map one to one onto the tracking package's raw
// event fields (time, raw code and sub-code, raw text, location), so a
// composer converts it without either package importing the other.
type TrackingEvent struct {
	// Time is when it happened.
	Time time.Time `json:"time"`
	// Code is the carrier's own status code, such as "DL" or "IT".
	Code string `json:"code"`
	// Subcode refines Code when the carrier has one (an exception reason).
	Subcode string `json:"subcode,omitempty"`
	// Description is the carrier's text, such as "Delivered, front door".
	Description string `json:"description,omitempty"`
	// Location is where it happened, as the carrier writes it.
	Location string `json:"location,omitempty"`
}

// AddressCheck is a carrier's verdict on an address.
type AddressCheck struct {
	// Deliverable says the carrier can deliver to the address as given or
	// as suggested.
	Deliverable bool `json:"deliverable"`
	// Suggestions are corrected forms of the address, best first.
	Suggestions []oms.Address `json:"suggestions,omitempty"`
	// Residential says whether the address is residential, when known.
	Residential *bool `json:"residential,omitempty"`
	// Messages explain problems, as the carrier words them.
	Messages []string `json:"messages,omitempty"`
}

// ManifestRequest asks a Manifester to close out labels.
type ManifestRequest struct {
	// Date is the pickup day.
	Date oms.Date `json:"date"`
	// LabelIDs are the labels handed over; empty means all of the day's.
	LabelIDs []string `json:"label_ids,omitempty"`
}

// Manifest is a carrier's end-of-day manifest.
type Manifest struct {
	// ID is the carrier's identifier of the manifest.
	ID string `json:"id"`
	// Carrier is the carrier's code.
	Carrier string `json:"carrier"`
	// Date is the pickup day.
	Date oms.Date `json:"date"`
	// LabelIDs are the labels it covers.
	LabelIDs []string `json:"label_ids"`
	// Document is the printable form, when returned inline.
	Document []byte `json:"document,omitempty"`
	// URL is where to download it, when the carrier hosts it.
	URL string `json:"url,omitempty"`
}
