package packing

import (
	"encoding/json"

	"github.com/omskit/oms"
)

// costJSON returns the cost to write: nil (left out) for the zero Money
// only. The fields are not tagged omitzero, because oms.Money.IsZero is
// true for a zero amount in any currency, and a free box (0.00 EUR) would
// come back from JSON with no currency.
func costJSON(m oms.Money) *oms.Money {
	if !m.Valid() {
		return nil
	}
	return &m
}

// MarshalJSON encodes b with its cost left out only when it has none.
func (b BoxType) MarshalJSON() ([]byte, error) {
	type plain BoxType
	return json.Marshal(struct {
		plain
		Cost *oms.Money `json:"cost,omitempty"`
	}{plain(b), costJSON(b.Cost)})
}

// MarshalJSON encodes b with its cost left out only when it has none.
func (b PackedBox) MarshalJSON() ([]byte, error) {
	type plain PackedBox
	return json.Marshal(struct {
		plain
		Cost *oms.Money `json:"cost,omitempty"`
	}{plain(b), costJSON(b.Cost)})
}

// MarshalJSON encodes p with its cost left out only when it has none.
func (p Result) MarshalJSON() ([]byte, error) {
	type plain Result
	return json.Marshal(struct {
		plain
		Cost *oms.Money `json:"cost,omitempty"`
	}{plain(p), costJSON(p.Cost)})
}
