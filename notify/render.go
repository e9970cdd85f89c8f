package notify

import (
	"context"
	htmltemplate "html/template"
	"strings"

	"github.com/omskit/oms"
)

// data returns the template data of milestone m of p in locale.
func data(p *Progress, m Milestone, locale, name string) TemplateData {
	det := m.Details
	d := TemplateData{
		Kind: m.Kind, Locale: locale, Name: name, OrderID: p.ID, Order: firstOf(p.Number, string(p.ID)),
		ShipmentID: det.ShipmentID, ReturnID: det.ReturnID, Carrier: det.Carrier, Tracking: det.Tracking,
		Reason: reasonPhrase(locale, det.Reason), Next: det.Next, Amount: formatMoney(locale, det.Amount),
		LabelURL: det.LabelURL, Estimate: formatDate(locale, det.EstimatedDelivery),
	}
	if p.ExchangeOf != "" {
		d.ExchangeOf = string(p.ExchangeOf)
	}
	if m.Kind == KindOrderConfirmed {
		d.Total = formatMoney(locale, p.Total)
	}
	// Shipment milestones show what is known of the shipment now (a label
	// event may come after the shipped one).
	if s := p.findShipment(det.ShipmentID); s != nil && ScopeOf(m.Kind) == ScopeShipment {
		d.Carrier = firstOf(s.Carrier, d.Carrier)
		if links := s.links(); len(links) > 0 {
			d.Tracking = links
		}
		if !s.EstimatedDelivery.IsZero() {
			d.Estimate = formatDate(locale, s.EstimatedDelivery)
		}
	}
	for _, l := range det.Lines {
		label := firstOf(l.Name, string(l.SKU), string(l.LineID))
		d.Lines = append(d.Lines, TemplateLine{Quantity: l.Quantity, Label: label})
	}
	return d
}

// render renders the message of milestones ms (one, or a digest) for ch;
// its Key is the first milestone's, which flush replaces for a digest.
func (n *Notifier) render(p *Progress, rc recipient, ch Channel, to string, ms []Milestone, keys []string) (Message, error) {
	t := n.opts.Templates
	msg := Message{
		Key: keys[0], Kind: ms[0].Kind, Channel: ch, Locale: rc.locale, CustomerID: rc.customer, To: to,
		OrderID: p.ID, OrderNumber: p.Number,
	}
	for i, m := range ms {
		msg.Milestones = append(msg.Milestones, Sent{Kind: m.Kind, Scope: m.Scope, Key: keys[i]})
	}
	var body Rendered
	if len(ms) == 1 {
		r, err := t.Render(ms[0].Kind, data(p, ms[0], rc.locale, rc.name))
		if err != nil {
			return Message{}, err
		}
		body = r
	} else {
		msg.Kind = KindDigest
		d := data(p, Milestone{Kind: KindDigest}, rc.locale, rc.name)
		d.Count = len(ms)
		head, err := t.Render(KindDigest, d)
		if err != nil {
			return Message{}, err
		}
		body.Subject = head.Subject
		var text, html, subjects []string
		for _, m := range ms {
			r, err := t.Render(m.Kind, data(p, m, rc.locale, rc.name))
			if err != nil {
				return Message{}, err
			}
			text = append(text, r.Subject+"\n"+r.Text)
			html = append(html, "<h2>"+htmltemplate.HTMLEscapeString(r.Subject)+"</h2>\n"+r.HTML)
			subjects = append(subjects, "- "+r.Subject)
		}
		body.Text = strings.Join(text, "\n\n")
		body.HTML = strings.Join(html, "\n")
		if ch == ChannelSMS {
			// A text message lists the milestones by their subjects.
			body.Text = body.Subject + "\n" + strings.Join(subjects, "\n")
		}
	}
	switch ch {
	case ChannelEmail:
		framed, err := t.Framed(rc.locale, rc.name, body)
		if err != nil {
			return Message{}, err
		}
		msg.Subject, msg.Text, msg.HTML = framed.Subject, framed.Text, framed.HTML
	case ChannelPortal:
		msg.Subject, msg.Text, msg.HTML = body.Subject, body.Text, body.HTML
	case ChannelPush:
		msg.Subject, msg.Text = body.Subject, body.Text
	default: // SMS: one text
		msg.Text = body.Text
	}
	return msg, nil
}

// SetPreferences validates and stores a customer's preferences. Invalid
// preferences return an error matching oms.ErrValidation listing every
// problem, and change nothing.
func (n *Notifier) SetPreferences(ctx context.Context, customer oms.ID, p Preferences) error {
	if err := validID("preferences", customer); err != nil {
		return err
	}
	if err := p.Validate(); err != nil {
		return err
	}
	return n.store.SetPreferences(ctx, customer, p)
}

// Preferences returns a customer's stored preferences, or an error
// matching oms.ErrNotFound.
func (n *Notifier) Preferences(ctx context.Context, customer oms.ID) (Preferences, error) {
	return n.store.Preferences(ctx, customer)
}
