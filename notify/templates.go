package notify

import (
	htmltemplate "html/template"
	"strings"
	"sync"
	texttemplate "text/template"
)

// Template is the source of one kind's message in one locale: a subject
// and a plain-text body (text/template) and an HTML body (html/template,
// which escapes every value). The bodies are the message's own words: the
// greeting around them comes from the locale's Frame, and a digest lists
// several bodies under their subjects. The data is a TemplateData.
type Template struct {
	// Subject is a text/template for the subject (e-mail, push, portal).
	Subject string `json:"subject"`
	// Text is a text/template for the plain body. Required.
	Text string `json:"text"`
	// HTML is an html/template for the HTML body (e-mail, portal); empty
	// means the HTML body is the text, escaped, in a paragraph.
	HTML string `json:"html,omitempty"`
}

// Frame is a locale's greeting around an e-mail's body: Text is a
// text/template and HTML an html/template, both given a FrameData.
type Frame struct {
	Text string `json:"text"`
	HTML string `json:"html"`
}

// FrameData is what a Frame renders.
type FrameData struct {
	// Name is the customer's name; may be empty.
	Name string
	// Body is the rendered plain body (Text) or HTML body (HTML, already
	// safe).
	Body string
	// BodyHTML is Body for the HTML frame.
	BodyHTML htmltemplate.HTML
}

// Rendered is a rendered message body: subject, plain text and HTML.
type Rendered struct {
	Subject, Text, HTML string
}

type parsedTemplate struct {
	subject, text *texttemplate.Template
	html          *htmltemplate.Template
}

type parsedFrame struct {
	text *texttemplate.Template
	html *htmltemplate.Template
}

type templateKey struct {
	kind   Kind
	locale string
}

// Templates holds the message templates per kind and locale and the
// frames per locale. Lookup tries the exact locale ("de-CH"), its
// language ("de"), then the default (""). It is safe for concurrent use,
// Set included.
type Templates struct {
	mu     sync.RWMutex
	m      map[templateKey]*parsedTemplate
	frames map[string]*parsedFrame
}

// DefaultTemplates returns templates holding, for every kind and
// KindDigest, the English defaults under the default locale "" and the
// German ones under "de".
func DefaultTemplates() *Templates {
	t := &Templates{}
	for locale, set := range defaultTemplates {
		for k, src := range set {
			if err := t.Set(k, locale, src); err != nil {
				panic("notify: default template " + string(k) + "/" + locale + ": " + err.Error()) // a bug in this file, caught by tests
			}
		}
		if err := t.SetFrame(locale, defaultFrames[locale]); err != nil {
			panic("notify: default frame " + locale + ": " + err.Error())
		}
	}
	return t
}

func normLocale(locale string) string {
	return strings.ToLower(strings.ReplaceAll(strings.TrimSpace(locale), "_", "-"))
}

// Set parses tpl and makes it the template of kind in locale ("" is the
// default). A template that does not parse returns an error matching
// oms.ErrValidation and changes nothing.
func (t *Templates) Set(kind Kind, locale string, tpl Template) error {
	v := newProblems("template")
	if !kind.Valid() {
		v.Add("kind", "unknown kind %q", kind)
	}
	p := &parsedTemplate{}
	var err error
	name := string(kind) + "/" + locale
	if p.subject, err = texttemplate.New(name + "/subject").Option("missingkey=zero").Parse(tpl.Subject); err != nil {
		v.Add("subject", "%v", err)
	}
	if strings.TrimSpace(tpl.Text) == "" && kind != KindDigest {
		v.Add("text", "is required")
	} else if p.text, err = texttemplate.New(name + "/text").Option("missingkey=zero").Parse(tpl.Text); err != nil {
		v.Add("text", "%v", err)
	}
	if tpl.HTML != "" {
		if p.html, err = htmltemplate.New(name + "/html").Option("missingkey=zero").Parse(tpl.HTML); err != nil {
			v.Add("html", "%v", err)
		}
	}
	if t == nil {
		v.Add("templates", "is nil")
	}
	if err := v.Err(); err != nil {
		return err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.m == nil {
		t.m = map[templateKey]*parsedTemplate{}
	}
	t.m[templateKey{kind, normLocale(locale)}] = p
	return nil
}

// SetFrame parses f and makes it the frame of locale ("" is the default).
// A frame that does not parse returns an error matching oms.ErrValidation
// and changes nothing.
func (t *Templates) SetFrame(locale string, f Frame) error {
	v := newProblems("frame")
	p := &parsedFrame{}
	var err error
	if p.text, err = texttemplate.New("frame/" + locale).Option("missingkey=zero").Parse(f.Text); err != nil {
		v.Add("text", "%v", err)
	}
	if p.html, err = htmltemplate.New("frame/" + locale + "/html").Option("missingkey=zero").Parse(f.HTML); err != nil {
		v.Add("html", "%v", err)
	}
	if t == nil {
		v.Add("templates", "is nil")
	}
	if err := v.Err(); err != nil {
		return err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.frames == nil {
		t.frames = map[string]*parsedFrame{}
	}
	t.frames[normLocale(locale)] = p
	return nil
}

func candidates(locale string) []string {
	locale = normLocale(locale)
	lang, _, _ := strings.Cut(locale, "-")
	return []string{locale, lang, ""}
}

func (t *Templates) lookup(kind Kind, locale string) *parsedTemplate {
	if t == nil {
		return nil
	}
	t.mu.RLock()
	defer t.mu.RUnlock()
	for _, l := range candidates(locale) {
		if p, ok := t.m[templateKey{kind, l}]; ok {
			return p
		}
	}
	return nil
}

func (t *Templates) frame(locale string) *parsedFrame {
	if t == nil {
		return nil
	}
	t.mu.RLock()
	defer t.mu.RUnlock()
	for _, l := range candidates(locale) {
		if p, ok := t.frames[l]; ok {
			return p
		}
	}
	return nil
}

// Render renders kind's template for the data's locale: the subject, the
// plain body and the HTML body (the escaped text when the template has no
// HTML). A kind without any template returns an error matching
// oms.ErrNotFound.
func (t *Templates) Render(kind Kind, data TemplateData) (Rendered, error) {
	p := t.lookup(kind, data.Locale)
	if p == nil {
		return Rendered{}, notFound("template", string(kind)+"/"+data.Locale)
	}
	var r Rendered
	var b strings.Builder
	if err := p.subject.Execute(&b, data); err != nil {
		return r, err
	}
	r.Subject = clean(b.String())
	if p.text != nil {
		b.Reset()
		if err := p.text.Execute(&b, data); err != nil {
			return r, err
		}
		r.Text = strings.TrimSpace(b.String())
	}
	if p.html != nil {
		b.Reset()
		if err := p.html.Execute(&b, data); err != nil {
			return r, err
		}
		r.HTML = strings.TrimSpace(b.String())
	} else if r.Text != "" {
		r.HTML = "<p>" + htmltemplate.HTMLEscapeString(r.Text) + "</p>"
	}
	return r, nil
}

// Framed wraps a rendered body in the locale's frame (the greeting). With
// no frame for the locale the body is returned as it is.
func (t *Templates) Framed(locale, name string, body Rendered) (Rendered, error) {
	f := t.frame(locale)
	if f == nil {
		return body, nil
	}
	d := FrameData{Name: name, Body: body.Text, BodyHTML: htmltemplate.HTML(body.HTML)}
	var b strings.Builder
	if err := f.text.Execute(&b, d); err != nil {
		return body, err
	}
	out := body
	out.Text = strings.TrimSpace(b.String())
	b.Reset()
	if err := f.html.Execute(&b, d); err != nil {
		return body, err
	}
	out.HTML = strings.TrimSpace(b.String())
	return out, nil
}

// clean turns a subject into one line with single spaces.
func clean(s string) string { return strings.Join(strings.Fields(s), " ") }
