package inventory

import (
	"strconv"
	"strings"

	"github.com/omskit/oms"
)

// Shortage is one line that cannot be served.
type Shortage struct {
	// Line is the index of the line in the request.
	Line     int     `json:"line"`
	SKU      oms.SKU `json:"sku"`
	Location oms.ID  `json:"location"`
	// Requested is the quantity asked for.
	Requested int64 `json:"requested"`
	// Available is what the level could give under its backorder policy.
	Available int64 `json:"available"`
}

// ShortageError reports a reservation or movement refused for lack of
// stock. It lists every short line and matches oms.ErrInsufficientStock.
// Nothing was changed.
type ShortageError struct {
	// Op names the refused operation, such as "reserve" or "adjust".
	Op string `json:"op"`
	// ID is the reservation or movement reference, when there is one.
	ID oms.ID `json:"id,omitempty"`
	// Lines lists every short line or level, in request order.
	Lines []Shortage `json:"lines"`
}

// Error lists every short line.
func (e *ShortageError) Error() string {
	var b strings.Builder
	b.WriteString("inventory: ")
	b.WriteString(e.Op)
	if e.ID != "" {
		b.WriteString(" ")
		b.WriteString(string(e.ID))
	}
	b.WriteString(": insufficient stock: ")
	for i, l := range e.Lines {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString("line ")
		b.WriteString(strconv.Itoa(l.Line))
		b.WriteString(" sku ")
		b.WriteString(string(l.SKU))
		b.WriteString(" at ")
		b.WriteString(string(l.Location))
		b.WriteString(": requested ")
		b.WriteString(strconv.FormatInt(l.Requested, 10))
		b.WriteString(", available ")
		b.WriteString(strconv.FormatInt(l.Available, 10))
	}
	return b.String()
}

// Is reports whether target is oms.ErrInsufficientStock.
func (e *ShortageError) Is(target error) bool { return target == oms.ErrInsufficientStock }
