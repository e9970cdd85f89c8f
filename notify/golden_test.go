package notify_test

import (
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/omskit/oms/notify"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// goldenData returns the template data of the golden cases of one locale:
// "full" sets every optional value (with characters HTML must escape),
// "minimal" none.
func goldenData(locale string, kind notify.Kind) map[string]notify.TemplateData {
	full := notify.TemplateData{
		Kind: kind, Locale: locale, Name: `Anna <Müller> & "Co"`, Order: "1001", OrderID: "ord-1", ExchangeOf: "0998",
		Total: "59.90 EUR", ShipmentID: "sh-1", ReturnID: "ret-1", Carrier: "UPS",
		Tracking: []notify.TrackingLink{
			{Number: "1Z999", URL: "https://track.example/?n=1Z999&lang=en"},
			{Number: "1Z998"},
		},
		Estimate: "Thursday, 5 March 2026", Reason: "a problem with the address", Next: notify.NextRetry,
		Amount: "12.50 EUR", LabelURL: "https://labels.example/ret-1.pdf?sig=a&b",
		Lines: []notify.TemplateLine{{Quantity: 2, Label: "T-shirt <M>"}, {Quantity: 1, Label: "Mug"}},
		Count: 3,
	}
	if locale == "de" {
		full.Total, full.Amount, full.Estimate, full.Reason = "59,90 EUR", "12,50 EUR", "Donnerstag, 5. März 2026", "ein Problem mit der Adresse"
	}
	minimal := notify.TemplateData{Kind: kind, Locale: locale}
	cases := map[string]notify.TemplateData{"full": full, "minimal": minimal}
	switch kind {
	case notify.KindShipped, notify.KindDelivered, notify.KindExchangeShipped:
		one := full
		one.Tracking = one.Tracking[:1]
		cases["one-parcel"] = one
	case notify.KindDeliveryException:
		for _, next := range []string{notify.NextContact, notify.NextReplace, notify.NextRefund, notify.NextPickup, notify.NextWait} {
			d := full
			d.Next = next
			cases["next-"+next] = d
		}
	}
	return cases
}

// TestGoldenTemplates renders every kind's default template (and the
// digest's subject) in English and German, with and without the optional
// values, as an e-mail (subject, framed text, framed HTML), and compares
// with testdata/golden (go test -run TestGoldenTemplates -update
// rewrites them). No rendering may show a hole where a value is missing.
func TestGoldenTemplates(t *testing.T) {
	tpl := notify.DefaultTemplates()
	holes := regexp.MustCompile(`  |\s[.,:;!]|\(\s*\)|href=""|\bnumber\s*[.:]|Nummer\s*[.:]|<p>\s*</p>|<li>\s*</li>|×\s*[,.]|: \.`)
	for _, locale := range []string{"", "de"} {
		dir := "en"
		if locale != "" {
			dir = locale
		}
		for _, kind := range append(notify.Kinds(), notify.KindDigest) {
			for variant, data := range goldenData(locale, kind) {
				name := filepath.Join("testdata", "golden", dir, string(kind)+"-"+variant+".txt")
				t.Run(dir+"/"+string(kind)+"/"+variant, func(t *testing.T) {
					body, err := tpl.Render(kind, data)
					if err != nil {
						t.Fatal(err)
					}
					if kind != notify.KindDigest && (body.Subject == "" || body.Text == "" || body.HTML == "") {
						t.Errorf("empty part: %+v", body)
					}
					mail, err := tpl.Framed(locale, data.Name, body)
					if err != nil {
						t.Fatal(err)
					}
					got := "subject: " + mail.Subject + "\n--- text\n" + mail.Text + "\n--- html\n" + mail.HTML + "\n"
					for _, part := range []string{mail.Subject, body.Text, body.HTML} {
						if m := holes.FindString(part); m != "" {
							t.Errorf("a hole (%q) in:\n%s", m, part)
						}
					}
					if strings.Contains(mail.HTML, "<Müller>") || strings.Contains(mail.HTML, "<M>") {
						t.Errorf("unescaped value in the HTML:\n%s", mail.HTML)
					}
					if *update {
						if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
							t.Fatal(err)
						}
						if err := os.WriteFile(name, []byte(got), 0o644); err != nil {
							t.Fatal(err)
						}
						return
					}
					want, err := os.ReadFile(name)
					if err != nil {
						t.Fatalf("%v (run with -update to create it)", err)
					}
					if diff := cmp.Diff(string(want), got); diff != "" {
						t.Errorf("%s (-want +got):\n%s", name, diff)
					}
				})
			}
		}
	}
}
