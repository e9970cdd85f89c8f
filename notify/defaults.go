package notify

// Fragments of the default templates. Each reads a whole phrase whether or
// not its optional value is there.
const (
	// English.
	enOrder     = `your order{{with $.Order}} {{.}}{{end}}`
	enForOrder  = `{{with $.Order}} for order {{.}}{{end}}`
	enCarrier   = `{{with $.Carrier}} with {{.}}{{end}}`
	enTrackText = `{{range $.Tracking}} Tracking number {{.Number}}{{with .URL}}: {{.}}{{end}}.{{end}}`
	enTrackHTML = `{{with $.Tracking}}<ul>{{range .}}<li>Tracking number {{with .URL}}<a href="{{.}}">{{end}}{{.Number}}{{if .URL}}</a>{{end}}</li>{{end}}</ul>{{end}}`
	enEstimate  = `{{with $.Estimate}} Expected {{.}}.{{end}}`
	enLines     = `{{range $i, $l := $.Lines}}{{if $i}}, {{end}}{{$l.Quantity}} × {{$l.Label}}{{end}}`
	enNext      = `{{if eq $.Next "retry"}}The carrier will try again on the next working day.` +
		`{{else if eq $.Next "contact"}}Please get in touch with us so that we can sort it out.` +
		`{{else if eq $.Next "replace"}}We will send you a replacement or refund you, as you prefer.` +
		`{{else if eq $.Next "refund"}}The parcel is coming back to us; we will refund you when it arrives.` +
		`{{else if eq $.Next "pickup"}}The carrier holds the parcel for you to collect.` +
		`{{else}}We are looking into it and will keep you posted.{{end}}`

	// German.
	deOrder     = `Ihre Bestellung{{with $.Order}} {{.}}{{end}}`
	deForOrder  = `{{with $.Order}} zu Bestellung {{.}}{{end}}`
	deCarrier   = `{{with $.Carrier}} mit {{.}}{{end}}`
	deTrackText = `{{range $.Tracking}} Sendungsnummer {{.Number}}{{with .URL}}: {{.}}{{end}}.{{end}}`
	deTrackHTML = `{{with $.Tracking}}<ul>{{range .}}<li>Sendungsnummer {{with .URL}}<a href="{{.}}">{{end}}{{.Number}}{{if .URL}}</a>{{end}}</li>{{end}}</ul>{{end}}`
	deEstimate  = `{{with $.Estimate}} Voraussichtliche Zustellung: {{.}}.{{end}}`
	deNext      = `{{if eq $.Next "retry"}}Der Versanddienst versucht es am nächsten Werktag erneut.` +
		`{{else if eq $.Next "contact"}}Bitte melden Sie sich bei uns, damit wir das klären können.` +
		`{{else if eq $.Next "replace"}}Wir schicken Ihnen Ersatz oder erstatten den Betrag, wie Sie möchten.` +
		`{{else if eq $.Next "refund"}}Das Paket kommt zu uns zurück; wir erstatten den Betrag, sobald es da ist.` +
		`{{else if eq $.Next "pickup"}}Der Versanddienst hält das Paket zur Abholung für Sie bereit.` +
		`{{else}}Wir kümmern uns darum und halten Sie auf dem Laufenden.{{end}}`
)

var defaultFrames = map[string]Frame{
	"": {
		Text: "Hi{{with $.Name}} {{.}}{{end}},\n\n{{.Body}}",
		HTML: `<p>Hi{{with $.Name}} {{.}}{{end}},</p>` + "\n" + `{{.BodyHTML}}`,
	},
	"de": {
		Text: "Hallo{{with $.Name}} {{.}}{{end}},\n\n{{.Body}}",
		HTML: `<p>Hallo{{with $.Name}} {{.}}{{end}},</p>` + "\n" + `{{.BodyHTML}}`,
	},
}

var defaultTemplates = map[string]map[Kind]Template{
	"": {
		KindOrderConfirmed: {
			Subject: `{{with $.Order}}Order {{.}} confirmed{{else}}Your order is confirmed{{end}}`,
			Text:    `Thank you for ` + enOrder + `.{{with $.Total}} Total: {{.}}.{{end}} We will let you know when it ships.`,
			HTML:    `<p>Thank you for ` + enOrder + `.{{with $.Total}} Total: <strong>{{.}}</strong>.{{end}} We will let you know when it ships.</p>`,
		},
		KindOrderCancelled: {
			Subject: `{{with $.Order}}Order {{.}} cancelled{{else}}Your order was cancelled{{end}}`,
			Text:    `We cancelled ` + enOrder + `. Anything you paid for it is refunded to your original payment method.`,
			HTML:    `<p>We cancelled ` + enOrder + `. Anything you paid for it is refunded to your original payment method.</p>`,
		},
		KindLinesCancelled: {
			Subject: `Items cancelled from ` + enOrder,
			Text:    `We cancelled {{if $.Lines}}` + enLines + `{{else}}some items{{end}} from ` + enOrder + `. The rest of your order goes ahead as planned.`,
			HTML:    `<p>We cancelled {{if $.Lines}}` + enLines + `{{else}}some items{{end}} from ` + enOrder + `. The rest of your order goes ahead as planned.</p>`,
		},
		KindPartiallyShipped: {
			Subject: `Part of ` + enOrder + ` has shipped`,
			Text:    `Part of ` + enOrder + ` is on the way.{{if $.Lines}} Still to come: ` + enLines + `.{{end}} We will let you know when the rest ships.`,
			HTML:    `<p>Part of ` + enOrder + ` is on the way.{{if $.Lines}} Still to come: ` + enLines + `.{{end}} We will let you know when the rest ships.</p>`,
		},
		KindShipped: {
			Subject: `{{with $.Order}}Order {{.}} has shipped{{else}}Your order has shipped{{end}}`,
			Text:    `Your parcel{{if gt (len $.Tracking) 1}}s are{{else}} is{{end}} on the way` + enCarrier + `.` + enTrackText + enEstimate,
			HTML:    `<p>Your parcel{{if gt (len $.Tracking) 1}}s are{{else}} is{{end}} on the way` + enCarrier + `.` + enEstimate + `</p>` + enTrackHTML,
		},
		KindExchangeShipped: {
			Subject: `Your exchange has shipped`,
			Text:    `The replacement{{with $.ExchangeOf}} for order {{.}}{{end}} is on the way` + enCarrier + `.` + enTrackText + enEstimate,
			HTML:    `<p>The replacement{{with $.ExchangeOf}} for order {{.}}{{end}} is on the way` + enCarrier + `.` + enEstimate + `</p>` + enTrackHTML,
		},
		KindOutForDelivery: {
			Subject: `Out for delivery today`,
			Text:    `Good news: ` + enOrder + ` is out for delivery today.` + enTrackText,
			HTML:    `<p>Good news: ` + enOrder + ` is out for delivery today.</p>` + enTrackHTML,
		},
		KindDeliveryException: {
			Subject: `A problem with the delivery of ` + enOrder,
			Text:    `There is a problem with the delivery of ` + enOrder + `{{with $.Reason}}: {{.}}{{end}}. ` + enNext + enTrackText,
			HTML:    `<p>There is a problem with the delivery of ` + enOrder + `{{with $.Reason}}: {{.}}{{end}}.</p><p>` + enNext + `</p>` + enTrackHTML,
		},
		KindDelivered: {
			Subject: `{{with $.Order}}Order {{.}} delivered{{else}}Your order was delivered{{end}}`,
			Text:    `{{if gt (len $.Tracking) 1}}Every parcel of{{else}}Your parcel of{{end}} ` + enOrder + ` has been delivered. We hope you enjoy it.`,
			HTML:    `<p>{{if gt (len $.Tracking) 1}}Every parcel of{{else}}Your parcel of{{end}} ` + enOrder + ` has been delivered. We hope you enjoy it.</p>`,
		},
		KindReadyForPickup: {
			Subject: `Ready for pickup`,
			Text:    enOrderCap + ` is waiting for you at the pickup point.` + enTrackText,
			HTML:    `<p>` + enOrderCap + ` is waiting for you at the pickup point.</p>` + enTrackHTML,
		},
		KindReturnApproved: {
			Subject: `Your return is approved`,
			Text:    `We approved your return` + enForOrder + `.{{with $.LabelURL}} Print your return label: {{.}}{{else}} You will find how to send the items back in your account.{{end}}`,
			HTML:    `<p>We approved your return` + enForOrder + `.{{with $.LabelURL}} <a href="{{.}}">Print your return label</a>.{{else}} You will find how to send the items back in your account.{{end}}</p>`,
		},
		KindReturnLabel: {
			Subject: `Your return label`,
			Text:    `{{with $.LabelURL}}Print your return label` + enForOrder + `: {{.}}{{else}}Your return label` + enForOrder + ` is ready in your account.{{end}}` + enTrackText,
			HTML:    `<p>{{with $.LabelURL}}<a href="{{.}}">Print your return label</a>` + enForOrder + `.{{else}}Your return label` + enForOrder + ` is ready in your account.{{end}}</p>`,
		},
		KindReturnReceived: {
			Subject: `We received your return`,
			Text:    `We received your return` + enForOrder + `. We will check it and let you know.`,
			HTML:    `<p>We received your return` + enForOrder + `. We will check it and let you know.</p>`,
		},
		KindRefundIssued: {
			Subject: `{{with $.Amount}}Your refund of {{.}}{{else}}Your refund{{end}}`,
			Text:    `We issued a refund{{with $.Amount}} of {{.}}{{end}}` + enForOrder + `. It may take a few days to show on your statement.`,
			HTML:    `<p>We issued a refund{{with $.Amount}} of <strong>{{.}}</strong>{{end}}` + enForOrder + `. It may take a few days to show on your statement.</p>`,
		},
		KindDigest: {
			Subject: `Updates on ` + enOrder,
		},
	},
	"de": {
		KindOrderConfirmed: {
			Subject: `{{with $.Order}}Bestellung {{.}} bestätigt{{else}}Ihre Bestellung ist bestätigt{{end}}`,
			Text:    `Vielen Dank für ` + deOrderAcc + `.{{with $.Total}} Gesamtbetrag: {{.}}.{{end}} Wir melden uns, sobald sie versandt wird.`,
			HTML:    `<p>Vielen Dank für ` + deOrderAcc + `.{{with $.Total}} Gesamtbetrag: <strong>{{.}}</strong>.{{end}} Wir melden uns, sobald sie versandt wird.</p>`,
		},
		KindOrderCancelled: {
			Subject: `{{with $.Order}}Bestellung {{.}} storniert{{else}}Ihre Bestellung wurde storniert{{end}}`,
			Text:    `Wir haben ` + deOrderAcc + ` storniert. Bereits Bezahltes erstatten wir auf Ihr ursprüngliches Zahlungsmittel.`,
			HTML:    `<p>Wir haben ` + deOrderAcc + ` storniert. Bereits Bezahltes erstatten wir auf Ihr ursprüngliches Zahlungsmittel.</p>`,
		},
		KindLinesCancelled: {
			Subject: `Artikel aus ` + deOrderDat + ` storniert`,
			Text:    `Wir haben {{if $.Lines}}` + enLines + `{{else}}einige Artikel{{end}} aus ` + deOrderDat + ` storniert. Der Rest Ihrer Bestellung kommt wie geplant.`,
			HTML:    `<p>Wir haben {{if $.Lines}}` + enLines + `{{else}}einige Artikel{{end}} aus ` + deOrderDat + ` storniert. Der Rest Ihrer Bestellung kommt wie geplant.</p>`,
		},
		KindPartiallyShipped: {
			Subject: `Ein Teil ` + deOrderGen + ` ist unterwegs`,
			Text:    `Ein Teil ` + deOrderGen + ` ist unterwegs.{{if $.Lines}} Noch ausstehend: ` + enLines + `.{{end}} Wir melden uns, sobald der Rest versandt wird.`,
			HTML:    `<p>Ein Teil ` + deOrderGen + ` ist unterwegs.{{if $.Lines}} Noch ausstehend: ` + enLines + `.{{end}} Wir melden uns, sobald der Rest versandt wird.</p>`,
		},
		KindShipped: {
			Subject: `{{with $.Order}}Bestellung {{.}} wurde versandt{{else}}Ihre Bestellung wurde versandt{{end}}`,
			Text:    `{{if gt (len $.Tracking) 1}}Ihre Pakete sind{{else}}Ihr Paket ist{{end}} unterwegs` + deCarrier + `.` + deTrackText + deEstimate,
			HTML:    `<p>{{if gt (len $.Tracking) 1}}Ihre Pakete sind{{else}}Ihr Paket ist{{end}} unterwegs` + deCarrier + `.` + deEstimate + `</p>` + deTrackHTML,
		},
		KindExchangeShipped: {
			Subject: `Ihr Umtausch wurde versandt`,
			Text:    `Der Ersatz{{with $.ExchangeOf}} für Bestellung {{.}}{{end}} ist unterwegs` + deCarrier + `.` + deTrackText + deEstimate,
			HTML:    `<p>Der Ersatz{{with $.ExchangeOf}} für Bestellung {{.}}{{end}} ist unterwegs` + deCarrier + `.` + deEstimate + `</p>` + deTrackHTML,
		},
		KindOutForDelivery: {
			Subject: `Heute in Zustellung`,
			Text:    deOrder + ` wird heute zugestellt.` + deTrackText,
			HTML:    `<p>` + deOrder + ` wird heute zugestellt.</p>` + deTrackHTML,
		},
		KindDeliveryException: {
			Subject: `Ein Problem bei der Zustellung ` + deOrderGen,
			Text:    `Bei der Zustellung ` + deOrderGen + ` gibt es ein Problem{{with $.Reason}}: {{.}}{{end}}. ` + deNext + deTrackText,
			HTML:    `<p>Bei der Zustellung ` + deOrderGen + ` gibt es ein Problem{{with $.Reason}}: {{.}}{{end}}.</p><p>` + deNext + `</p>` + deTrackHTML,
		},
		KindDelivered: {
			Subject: `{{with $.Order}}Bestellung {{.}} zugestellt{{else}}Ihre Bestellung wurde zugestellt{{end}}`,
			Text:    `{{if gt (len $.Tracking) 1}}Alle Pakete{{else}}Das Paket{{end}} ` + deOrderGen + ` {{if gt (len $.Tracking) 1}}wurden{{else}}wurde{{end}} zugestellt. Viel Freude damit!`,
			HTML:    `<p>{{if gt (len $.Tracking) 1}}Alle Pakete{{else}}Das Paket{{end}} ` + deOrderGen + ` {{if gt (len $.Tracking) 1}}wurden{{else}}wurde{{end}} zugestellt. Viel Freude damit!</p>`,
		},
		KindReadyForPickup: {
			Subject: `Bereit zur Abholung`,
			Text:    deOrder + ` liegt an der Abholstelle für Sie bereit.` + deTrackText,
			HTML:    `<p>` + deOrder + ` liegt an der Abholstelle für Sie bereit.</p>` + deTrackHTML,
		},
		KindReturnApproved: {
			Subject: `Ihre Rücksendung ist genehmigt`,
			Text:    `Wir haben Ihre Rücksendung` + deForOrder + ` genehmigt.{{with $.LabelURL}} Drucken Sie Ihr Rücksendeetikett: {{.}}{{else}} Wie Sie die Artikel zurückschicken, finden Sie in Ihrem Konto.{{end}}`,
			HTML:    `<p>Wir haben Ihre Rücksendung` + deForOrder + ` genehmigt.{{with $.LabelURL}} <a href="{{.}}">Rücksendeetikett drucken</a>.{{else}} Wie Sie die Artikel zurückschicken, finden Sie in Ihrem Konto.{{end}}</p>`,
		},
		KindReturnLabel: {
			Subject: `Ihr Rücksendeetikett`,
			Text:    `{{with $.LabelURL}}Drucken Sie Ihr Rücksendeetikett` + deForOrder + `: {{.}}{{else}}Ihr Rücksendeetikett` + deForOrder + ` liegt in Ihrem Konto bereit.{{end}}` + deTrackText,
			HTML:    `<p>{{with $.LabelURL}}<a href="{{.}}">Rücksendeetikett drucken</a>` + deForOrder + `.{{else}}Ihr Rücksendeetikett` + deForOrder + ` liegt in Ihrem Konto bereit.{{end}}</p>`,
		},
		KindReturnReceived: {
			Subject: `Ihre Rücksendung ist eingetroffen`,
			Text:    `Ihre Rücksendung` + deForOrder + ` ist bei uns eingetroffen. Wir prüfen sie und melden uns.`,
			HTML:    `<p>Ihre Rücksendung` + deForOrder + ` ist bei uns eingetroffen. Wir prüfen sie und melden uns.</p>`,
		},
		KindRefundIssued: {
			Subject: `{{with $.Amount}}Ihre Erstattung über {{.}}{{else}}Ihre Erstattung{{end}}`,
			Text:    `Wir haben {{with $.Amount}}{{.}}{{else}}den Betrag{{end}}` + deForOrder + ` erstattet. Es kann einige Tage dauern, bis die Gutschrift auf Ihrem Konto erscheint.`,
			HTML:    `<p>Wir haben {{with $.Amount}}<strong>{{.}}</strong>{{else}}den Betrag{{end}}` + deForOrder + ` erstattet. Es kann einige Tage dauern, bis die Gutschrift auf Ihrem Konto erscheint.</p>`,
		},
		KindDigest: {
			Subject: `Neuigkeiten zu ` + deOrderDat,
		},
	},
}

// Case forms of "your order" in German, and the English one starting a
// sentence.
const (
	enOrderCap = `Your order{{with $.Order}} {{.}}{{end}}`
	deOrderAcc = `Ihre Bestellung{{with $.Order}} {{.}}{{end}}`  // accusative
	deOrderDat = `Ihrer Bestellung{{with $.Order}} {{.}}{{end}}` // dative
	deOrderGen = `Ihrer Bestellung{{with $.Order}} {{.}}{{end}}` // genitive
)
