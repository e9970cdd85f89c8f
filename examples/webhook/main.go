// Command webhook runs a tracking webhook server: a carrier (or an aggregator
// such as EasyPost) POSTs tracking events, signed with a secret the shop
// shares with it; the server checks the HMAC-SHA256 signature of the raw body
// before reading anything, then applies the scans to the parcel's tracker.
// It prints a signed event and the curl command that posts it:
//
//	go run ./examples/webhook
//	go run ./examples/webhook -addr 127.0.0.1:9090 -secret 'another secret'
//
// Then look at the parcel at http://127.0.0.1:8080/parcels/usps/9400111899223197428490.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/omskit/oms"
	"github.com/omskit/oms/tracking"
)

// The parcel this demo shop has shipped.
const (
	carrier        = "usps"
	trackingNumber = "9400111899223197428490"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "address to listen on")
	secret := flag.String("secret", "whsec_demo_4f8a", "the webhook secret shared with the carrier")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := serve(ctx, *addr, *secret, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "webhook:", err)
		os.Exit(1)
	}
}

// serve listens on addr, prints how to post an event, and serves until ctx
// is done.
func serve(ctx context.Context, addr, secret string, w io.Writer) error {
	srv, err := newServer(secret, w)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = hs.Shutdown(shutdown) // best effort on the way out
	}()
	printInstructions(w, "http://"+ln.Addr().String(), secret)
	if err := hs.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// server is the shop's HTTP side of tracking: the webhook endpoint and a
// page per parcel.
type server struct {
	http.Handler
	tracker *tracking.Service
}

// newServer registers the shop's parcel and routes:
//
//	POST /webhooks/easypost                  signed EasyPost tracker events
//	GET  /parcels/{carrier}/{number}         the parcel's tracking view (JSON)
//
// Every answer of the webhook is logged to log.
func newServer(secret string, log io.Writer) (*server, error) {
	// The demo's clock stands still on the afternoon of the delivery, so the
	// printed event and its signature are the same on every run. A shop
	// passes oms.SystemClock() (or leaves Clock nil).
	clock := oms.NewManualClock(time.Date(2026, 11, 24, 16, 0, 0, 0, time.UTC))
	svc := tracking.NewService(tracking.NewMemoryStore(nil), &tracking.ServiceOptions{Clock: clock})
	if _, err := svc.Register(context.Background(), tracking.Registration{
		Carrier: carrier, TrackingNumber: trackingNumber, ShipmentRef: "shp_1001_1", OrderRef: "1001",
		CustomerID: "cus_ada", PromisedBy: oms.NewDate(2026, time.November, 25), DestinationZone: "America/New_York",
	}); err != nil {
		return nil, err
	}
	// EasyPostWebhook presets EasyPost's signature header
	// ("X-Hmac-Signature: hmac-sha256-hex=<hex>") and its decoder.
	hook, err := tracking.NewWebhookHandler(svc, tracking.EasyPostWebhook([]byte(secret)))
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("POST /webhooks/easypost", logged(log, hook))
	mux.HandleFunc("GET /parcels/{carrier}/{number}", func(rw http.ResponseWriter, r *http.Request) {
		t, err := svc.Get(r.Context(), r.PathValue("carrier"), r.PathValue("number"))
		if errors.Is(err, oms.ErrNotFound) {
			http.NotFound(rw, r)
			return
		}
		if err != nil {
			http.Error(rw, err.Error(), http.StatusInternalServerError)
			return
		}
		rw.Header().Set("Content-Type", "application/json")
		enc := json.NewEncoder(rw)
		enc.SetIndent("", "  ")
		_ = enc.Encode(tracking.NewView(t)) // an error here means the client went away
	})
	return &server{Handler: mux, tracker: svc}, nil
}

// logged prints one line per request: the status and the handler's JSON
// answer (what was applied, or why it was refused).
func logged(log io.Writer, h http.Handler) http.Handler {
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		rec := &recorder{ResponseWriter: rw, status: http.StatusOK}
		h.ServeHTTP(rec, r)
		fmt.Fprintf(log, "%s %s: %d %s\n", r.Method, r.URL.Path, rec.status, strings.TrimSpace(rec.body.String()))
	})
}

// recorder remembers the status and body a handler writes.
type recorder struct {
	http.ResponseWriter
	status int
	body   strings.Builder
}

func (r *recorder) WriteHeader(status int) {
	r.status = status
	r.ResponseWriter.WriteHeader(status)
}

func (r *recorder) Write(p []byte) (int, error) {
	r.body.Write(p)
	return r.ResponseWriter.Write(p)
}

// event is an EasyPost "tracker.updated" event for the demo parcel: an
// arrival scan and the delivery. The file a shell here-document writes ends
// with a newline, and the signature covers it.
const event = `{
  "object": "Event",
  "description": "tracker.updated",
  "result": {
    "object": "Tracker",
    "tracking_code": "9400111899223197428490",
    "carrier": "USPS",
    "status": "delivered",
    "tracking_details": [
      {"status": "in_transit", "status_detail": "arrived_at_facility", "message": "Arrived at USPS Regional Facility",
       "datetime": "2026-11-24T06:10:00Z", "tracking_location": {"city": "NEW YORK", "state": "NY", "zip": "10199"}},
      {"status": "delivered", "status_detail": "arrived_at_destination", "message": "Delivered, In/At Mailbox",
       "datetime": "2026-11-24T14:12:00Z", "tracking_location": {"city": "NEW YORK", "state": "NY", "zip": "10118"}}
    ]
  }
}
`

// printInstructions prints the event, its signature and the commands that
// post it to the server at base and show the parcel.
func printInstructions(w io.Writer, base, secret string) {
	opts := tracking.EasyPostWebhook([]byte(secret))
	fmt.Fprintf(w, "tracking webhook server on %s\n", base)
	fmt.Fprintf(w, "parcel %s %s registered for order 1001, promised by 2026-11-25\n\n", carrier, trackingNumber)
	fmt.Fprintf(w, "1. save a signed carrier event:\n\ncat > event.json <<'JSON'\n%sJSON\n\n", event)
	fmt.Fprintf(w, "2. post it with its HMAC-SHA256 signature (secret %q):\n\n", secret)
	fmt.Fprintf(w, "curl -i %s/webhooks/easypost -H 'Content-Type: application/json' \\\n", base)
	fmt.Fprintf(w, "  -H '%s: %s' \\\n  --data-binary @event.json\n\n", opts.SignatureHeader, opts.Sign([]byte(event), ""))
	// EasyPost keys the MAC with the NFKD form of the secret: the same bytes
	// for an ASCII secret, which is what openssl is given here.
	fmt.Fprintf(w, "   the signature is the HMAC of the file's exact bytes; compute it yourself with\n")
	fmt.Fprintf(w, "   openssl dgst -sha256 -hmac %s event.json\n", shellQuote(secret))
	fmt.Fprintf(w, "   change a byte of event.json and the server answers 401, applying nothing;\n")
	fmt.Fprintf(w, "   post it twice and the second answer counts 2 duplicates.\n\n")
	fmt.Fprintf(w, "3. see the parcel:\n\ncurl %s/parcels/%s/%s\n\n", base, carrier, trackingNumber)
	fmt.Fprintf(w, "waiting for events (Ctrl-C stops)\n")
}

// shellQuote quotes s for a POSIX shell.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
