package oms

import (
	"errors"
	"slices"
)

// SKU identifies a stock-keeping unit: one sellable variant. Every package
// that names a product (an order line, a reservation, a packed unit, a
// returned item) uses this one type. A valid SKU is 1 to 128 bytes of
// printable ASCII without spaces (ValidateSKU).
type SKU string

// MaxSKULength is the longest SKU in bytes.
const MaxSKULength = 128

// String returns the SKU as a string.
func (s SKU) String() string { return string(s) }

// ValidateSKU returns nil when s is 1 to MaxSKULength bytes of printable
// ASCII without spaces, and otherwise an error that says what is wrong (it
// does not match ErrValidation by itself: callers add the field path).
func ValidateSKU(s SKU) error {
	if s == "" {
		return errors.New("must not be empty")
	}
	if len(s) > MaxSKULength {
		return errors.New("longer than 128 bytes")
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c > '~' {
			return errors.New("must be printable ASCII without spaces")
		}
	}
	return nil
}

// MaxQuantity is the largest unit quantity any package accepts on one line
// or one stock level (2^50). Quantities are int64 everywhere; bounding them
// here leaves room to add thousands of them without wrapping.
const MaxQuantity int64 = 1 << 50

// ServiceLevel is the speed class of a carrier service, stable on the wire.
// An order asks for one, a rate offers one, a shipment travels at one.
type ServiceLevel string

// Service levels, fastest first.
const (
	LevelSameDay   ServiceLevel = "same_day"
	LevelOvernight ServiceLevel = "overnight"
	LevelExpress   ServiceLevel = "express"
	LevelStandard  ServiceLevel = "standard"
	LevelEconomy   ServiceLevel = "economy"
)

// ServiceLevels returns every level, fastest first.
func ServiceLevels() []ServiceLevel {
	return []ServiceLevel{LevelSameDay, LevelOvernight, LevelExpress, LevelStandard, LevelEconomy}
}

// Valid reports whether l is one of the defined levels.
func (l ServiceLevel) Valid() bool { return l.Rank() >= 0 }

// Rank returns 0 for the fastest level (same_day) up to 4 for economy, and
// -1 for an unknown level.
func (l ServiceLevel) Rank() int { return slices.Index(ServiceLevels(), l) }
