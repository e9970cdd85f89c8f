package tracking

import (
	htmltemplate "html/template"
	"strings"
	"sync"
	texttemplate "text/template"
	"time"

	"github.com/omskit/oms"
)

// Template is the source of one kind's message: a subject and a text body
// (text/template) and an HTML body (html/template, which escapes every
// value). The data is a TemplateData; the functions "date" (an oms.Date or
// a time as "Mon, 2 Jan 2006", empty for zero), "status" and "reason" (human labels) are available.
type Template struct {
	// Subject is a text/template for the subject (e-mail, push).
	Subject string `json:"subject"`
	// Text is a text/template for the plain body. Required.
	Text string `json:"text"`
	// HTML is an html/template for the e-mail's HTML body; empty means
	// text only.
	HTML string `json:"html,omitempty"`
}

// TemplateData is what templates render.
type TemplateData struct {
	// Customer is the recipient, Notice the milestone.
	Customer Customer
	Notice   Notice
}

// Rendered is a rendered message: its subject, plain text and HTML body
// (empty unless the channel is e-mail and the template has one).
type Rendered struct {
	Subject, Text, HTML string
}

type parsedTemplate struct {
	subject, text *texttemplate.Template
	html          *htmltemplate.Template
}

type templateKey struct {
	kind   Kind
	locale string
}

// Templates holds the message templates per kind and locale. Lookup tries
// the exact locale ("de-CH"), its language ("de"), then the default ("").
// It is safe for concurrent use, Set included.
type Templates struct {
	mu sync.RWMutex
	m  map[templateKey]*parsedTemplate
}

var templateFuncs = map[string]any{
	"date": func(v any) string {
		switch d := v.(type) {
		case oms.Date:
			if !d.IsZero() {
				return d.In(time.UTC).Format("Mon, 2 Jan 2006")
			}
		case time.Time:
			if !d.IsZero() {
				return d.Format("Mon, 2 Jan 2006")
			}
		}
		return ""
	},
	"status": func(s Status) string { return StatusLabel(s) },
	"reason": func(r Reason) string { return ReasonLabel(r) },
}

// DefaultTemplates returns templates holding the English defaults for
// every kind under the default locale.
func DefaultTemplates() *Templates {
	t := &Templates{m: map[templateKey]*parsedTemplate{}}
	for k, src := range defaultTemplates {
		if err := t.Set(k, "", src); err != nil {
			panic("tracking: default template " + string(k) + ": " + err.Error()) // a bug in this file, caught by tests
		}
	}
	return t
}

// Set parses tpl and makes it the template of kind in locale ("" is the
// default). A template that does not parse returns an error matching
// oms.ErrValidation and changes nothing.
func (t *Templates) Set(kind Kind, locale string, tpl Template) error {
	v := &oms.ValidationError{Entity: "template"}
	if !kind.Valid() {
		v.Add("kind", "unknown kind %q", kind)
	}
	p := &parsedTemplate{}
	var err error
	name := string(kind) + "/" + locale
	if p.subject, err = texttemplate.New(name + "/subject").Funcs(templateFuncs).Option("missingkey=zero").Parse(tpl.Subject); err != nil {
		v.Add("subject", "%v", err)
	}
	if strings.TrimSpace(tpl.Text) == "" {
		v.Add("text", "is required")
	} else if p.text, err = texttemplate.New(name + "/text").Funcs(templateFuncs).Option("missingkey=zero").Parse(tpl.Text); err != nil {
		v.Add("text", "%v", err)
	}
	if tpl.HTML != "" {
		if p.html, err = htmltemplate.New(name + "/html").Funcs(templateFuncs).Option("missingkey=zero").Parse(tpl.HTML); err != nil {
			v.Add("html", "%v", err)
		}
	}
	if err := v.Err(); err != nil {
		return err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.m == nil {
		t.m = map[templateKey]*parsedTemplate{}
	}
	t.m[templateKey{kind, strings.ToLower(locale)}] = p
	return nil
}

func (t *Templates) lookup(kind Kind, locale string) *parsedTemplate {
	t.mu.RLock()
	defer t.mu.RUnlock()
	locale = strings.ToLower(strings.ReplaceAll(locale, "_", "-"))
	for _, l := range []string{locale, strings.SplitN(locale, "-", 2)[0], ""} {
		if p, ok := t.m[templateKey{kind, l}]; ok {
			return p
		}
	}
	return nil
}

// Render renders kind's template for locale. The HTML body is rendered for
// e-mail only. A kind without any template returns an error matching
// oms.ErrNotFound.
func (t *Templates) Render(kind Kind, locale string, ch Channel, data TemplateData) (Rendered, error) {
	p := t.lookup(kind, locale)
	if p == nil {
		return Rendered{}, oms.NotFoundError("template", string(kind)+"/"+locale)
	}
	var r Rendered
	var b strings.Builder
	if err := p.subject.Execute(&b, data); err != nil {
		return r, err
	}
	r.Subject = strings.TrimSpace(b.String())
	b.Reset()
	if err := p.text.Execute(&b, data); err != nil {
		return r, err
	}
	r.Text = strings.TrimSpace(b.String())
	if p.html != nil && ch == ChannelEmail {
		b.Reset()
		if err := p.html.Execute(&b, data); err != nil {
			return r, err
		}
		r.HTML = strings.TrimSpace(b.String())
	}
	return r, nil
}

const htmlTracking = `{{with .Notice.TrackingURL}}<p><a href="{{.}}">Track your parcel</a></p>{{end}}`

// Template fragments that render whole sentences whether or not an optional
// value is there (no "Your order  has shipped"): the greeting, "your
// parcel 1Z999" or "your parcel", "order 1001" or "your order".
const (
	hiText     = `Hi{{with .Customer.Name}} {{.}}{{end}}, `
	hiHTML     = `<p>Hi{{with .Customer.Name}} {{.}}{{end}},</p>`
	parcel     = `parcel{{with .Notice.TrackingNumber}} {{.}}{{end}}`
	yourOrder  = `your order{{with .Notice.OrderRef}} {{.}}{{end}}`
	forOrder   = `{{with .Notice.OrderRef}} for order {{.}}{{end}}`
	onItsWay   = `on its way{{with .Notice.Carrier}} with {{.}}{{end}}{{with .Notice.TrackingNumber}}, tracking number {{.}}{{end}}.`
	trackIt    = `{{with .Notice.TrackingURL}} Track it: {{.}}{{end}}`
	expectedOn = `{{with .Notice.EstimatedDelivery | date}} Expected {{.}}.{{end}}`
)

var defaultTemplates = map[Kind]Template{
	KindOrderConfirmed: {
		Subject: `{{with .Notice.OrderRef}}Order {{.}} confirmed{{else}}Your order is confirmed{{end}}`,
		Text:    hiText + `thank you for ` + yourOrder + `. We will let you know when it ships.`,
		HTML:    hiHTML + `<p>Thank you for ` + yourOrder + `. We will let you know when it ships.</p>`,
	},
	KindShipped: {
		Subject: `Your order{{with .Notice.OrderRef}} {{.}}{{end}} has shipped`,
		Text:    hiText + `your parcel is ` + onItsWay + trackIt + expectedOn,
		HTML:    hiHTML + `<p>Your parcel is ` + onItsWay + expectedOn + `</p>` + htmlTracking,
	},
	KindOutForDelivery: {
		Subject: `Your parcel is out for delivery`,
		Text:    hiText + `your ` + parcel + ` is out for delivery today.` + trackIt,
		HTML:    hiHTML + `<p>Your ` + parcel + ` is out for delivery today.</p>` + htmlTracking,
	},
	KindDelivered: {
		Subject: `Your parcel has been delivered`,
		Text:    hiText + `your ` + parcel + ` has been delivered.`,
		HTML:    hiHTML + `<p>Your ` + parcel + ` has been delivered.</p>`,
	},
	KindDelayed: {
		Subject: `An update on your parcel`,
		Text:    hiText + `your ` + parcel + ` is delayed{{with .Notice.Reason | reason}} ({{.}}){{end}}. We are on it.` + trackIt,
		HTML:    hiHTML + `<p>Your ` + parcel + ` is delayed{{with .Notice.Reason | reason}} ({{.}}){{end}}. We are on it.</p>` + htmlTracking,
	},
	KindReadyForPickup: {
		Subject: `Your parcel is ready for pickup`,
		Text:    hiText + `your ` + parcel + ` is waiting for you at the pickup point.{{with .Notice.TrackingURL}} Details: {{.}}{{end}}`,
		HTML:    hiHTML + `<p>Your ` + parcel + ` is waiting for you at the pickup point.</p>` + htmlTracking,
	},
	KindReturnReceived: {
		Subject: `We received your return`,
		Text:    hiText + `we received your return` + forOrder + `. We will check it and let you know.`,
		HTML:    hiHTML + `<p>We received your return` + forOrder + `. We will check it and let you know.</p>`,
	},
	KindRefundIssued: {
		Subject: `Your refund has been issued`,
		Text:    hiText + `we issued a refund{{with .Notice.Amount}} of {{.String}}{{end}}` + forOrder + `.`,
		HTML:    hiHTML + `<p>We issued a refund{{with .Notice.Amount}} of {{.String}}{{end}}` + forOrder + `.</p>`,
	},
}
