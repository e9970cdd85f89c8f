package notify_test

// Hostile-input review (rev2) of package notify through its public API:
// every test here failed before the fix named in its comment.

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/omskit/oms"
	"github.com/omskit/oms/notify"
)

// TestPreferencesRefuseAnEmailThatIsNoAddressAndC1Controls: SetPreferences
// stored any text as the customer's e-mail address ("not-an-email",
// "ada@example.com, eve@example.com", "Ada <ada@example.com>"), which
// then overrode the order's checked address on every e-mail; and its
// control-character check missed the C1 controls (U+0085 NEL, a line
// break to many mailers), so a name or address could carry one into a
// message. The order package refuses both for the same fields. Such
// preferences are refused now, naming the field, and the stored ones
// stay as they were.
func TestPreferencesRefuseAnEmailThatIsNoAddressAndC1Controls(t *testing.T) {
	e := newEnv(t, nil)
	good := notify.Preferences{Locale: "de", Email: "anna@example.com", Phone: "+49 151 000000", Name: "Anna"}
	if err := e.n.SetPreferences(e.ctx, "cust-anna", good); err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]struct {
		field string
		set   func(p *notify.Preferences)
	}{
		"not an address":  {"email", func(p *notify.Preferences) { p.Email = "not-an-email" }},
		"two addresses":   {"email", func(p *notify.Preferences) { p.Email = "ada@example.com, eve@example.com" }},
		"display name":    {"email", func(p *notify.Preferences) { p.Email = "Ada <ada@example.com>" }},
		"no domain dot":   {"email", func(p *notify.Preferences) { p.Email = "ada@localhost" }},
		"email with NEL":  {"email", func(p *notify.Preferences) { p.Email = "ada@example.com\u0085" }},
		"name with NEL":   {"name", func(p *notify.Preferences) { p.Name = "Anna\u0085Bcc" }},
		"phone with C1":   {"phone", func(p *notify.Preferences) { p.Phone = "+49\u009b151" }},
		"locale with NEL": {"locale", func(p *notify.Preferences) { p.Locale = "de\u0085" }},
	} {
		p := good
		c.set(&p)
		err := e.n.SetPreferences(e.ctx, "cust-anna", p)
		var ve *oms.ValidationError
		if !errors.As(err, &ve) || !errors.Is(err, oms.ErrValidation) {
			t.Errorf("%s: SetPreferences = %v, want a validation error", name, err)
		} else if ve.Problems[0].Field != c.field {
			t.Errorf("%s: problems %v, want field %s", name, ve.Problems, c.field)
		}
		if got, err := e.n.Preferences(e.ctx, "cust-anna"); err != nil || !cmp.Equal(got, good) {
			t.Errorf("%s: refused preferences changed the stored ones: %+v (%v)", name, got, err)
		}
	}
	p := good
	p.Email, p.Name = "zoë.müller+news@exämple.de", "Zoë"
	if err := e.n.SetPreferences(e.ctx, "cust-anna", p); err != nil {
		t.Errorf("preferences with an international address: %v", err)
	}
}
