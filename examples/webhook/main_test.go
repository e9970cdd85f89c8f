package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/omskit/oms/examples/internal/outputtest"
	"github.com/omskit/oms/tracking"
)

const secret = "whsec_test"

// printed is what the instructions tell a person to send: the body of the
// here-document and the signature header.
type printed struct {
	body, header, signature string
}

var (
	heredoc   = regexp.MustCompile(`(?s)cat > event\.json <<'JSON'\n(.*?\n)JSON\n`)
	sigHeader = regexp.MustCompile(`-H '([A-Za-z-]+): (hmac-sha256-hex=[0-9a-f]{64})'`)
)

// parseInstructions reads the event and its signature out of the printed
// instructions, as a person copying them would.
func parseInstructions(t *testing.T, out string) printed {
	t.Helper()
	b := heredoc.FindStringSubmatch(out)
	s := sigHeader.FindStringSubmatch(out)
	if b == nil || s == nil {
		t.Fatalf("instructions lack the event or the signature:\n%s", out)
	}
	return printed{body: b[1], header: s[1], signature: s[2]}
}

// post sends body with the signature header (none when sig is empty) and
// returns the status and the decoded answer.
func post(t *testing.T, url, header, sig, body string) (int, tracking.WebhookResponse) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url+"/webhooks/easypost", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if sig != "" {
		req.Header.Set(header, sig)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var ans tracking.WebhookResponse
	if err := json.NewDecoder(res.Body).Decode(&ans); err != nil {
		t.Fatalf("answer is not JSON: %v", err)
	}
	return res.StatusCode, ans
}

// parcel returns the parcel's tracking view from the server.
func parcel(t *testing.T, url string) tracking.View {
	t.Helper()
	res, err := http.Get(url + "/parcels/usps/9400111899223197428490")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("parcel page: %s", res.Status)
	}
	var v tracking.View
	if err := json.NewDecoder(res.Body).Decode(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

// TestWebhookSignedAndTampered follows the printed instructions against the
// server: a tampered copy of the event, and the event without a signature,
// are refused with 401 and change nothing; the signed event is applied and
// the parcel shows delivered; posting it again counts duplicates.
func TestWebhookSignedAndTampered(t *testing.T) {
	var log bytes.Buffer
	srv, err := newServer(secret, &log)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	var out bytes.Buffer
	printInstructions(&out, ts.URL, secret)
	p := parseInstructions(t, out.String())
	if p.body != event {
		t.Fatalf("printed event differs from the one signed:\n%s", cmp.Diff(event, p.body))
	}

	tampered := strings.Replace(p.body, "Delivered, In/At Mailbox", "Delivered, left with neighbour", 1)
	for _, tc := range []struct{ name, sig, body string }{
		{"tampered body", p.signature, tampered},
		{"no signature", "", p.body},
		{"signature of another secret", tracking.EasyPostWebhook([]byte("guess")).Sign([]byte(p.body), ""), p.body},
	} {
		status, ans := post(t, ts.URL, p.header, tc.sig, tc.body)
		if status != http.StatusUnauthorized || ans.Applied != 0 || ans.Error == "" {
			t.Errorf("%s: got %d %+v, want 401 with an error and nothing applied", tc.name, status, ans)
		}
	}
	if v := parcel(t, ts.URL); v.Status != tracking.StatusPreTransit || len(v.Events) != 0 {
		t.Fatalf("after refused posts the parcel is %s with %d scans, want pre_transit with none", v.Status, len(v.Events))
	}

	status, ans := post(t, ts.URL, p.header, p.signature, p.body)
	if diff := cmp.Diff(tracking.WebhookResponse{Applied: 2}, ans); status != http.StatusOK || diff != "" {
		t.Fatalf("signed event: status %d, answer (-want +got):\n%s", status, diff)
	}
	status, ans = post(t, ts.URL, p.header, p.signature, p.body)
	if diff := cmp.Diff(tracking.WebhookResponse{Duplicates: 2}, ans); status != http.StatusOK || diff != "" {
		t.Fatalf("replayed event: status %d, answer (-want +got):\n%s", status, diff)
	}
	v := parcel(t, ts.URL)
	if v.Status != tracking.StatusDelivered || len(v.Events) != 2 || v.Events[0].Text != "Delivered, In/At Mailbox" {
		t.Fatalf("parcel after the signed event: %+v", v)
	}
	outputtest.Lines(t, log.String(),
		`POST /webhooks/easypost: 401 {"applied":0,"duplicates":0,"orphaned":0,"quarantined":0,"error":"bad signature"}`,
		`POST /webhooks/easypost: 401 {"applied":0,"duplicates":0,"orphaned":0,"quarantined":0,"error":"missing signature header X-Hmac-Signature"}`,
		`POST /webhooks/easypost: 401 {"applied":0,"duplicates":0,"orphaned":0,"quarantined":0,"error":"bad signature"}`,
		`POST /webhooks/easypost: 200 {"applied":2,"duplicates":0,"orphaned":0,"quarantined":0}`,
		`POST /webhooks/easypost: 200 {"applied":0,"duplicates":2,"orphaned":0,"quarantined":0}`,
	)
}

// TestServe runs the program's server on a free port, reads the printed
// instructions, posts the printed event to the printed address and stops
// the server.
func TestServe(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		err := serve(ctx, "127.0.0.1:0", secret, pw)
		pw.Close()
		done <- err
	}()
	// Read the instructions up to the line that says the server waits.
	lines := make(chan string)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	var out strings.Builder
	for l := range lines {
		out.WriteString(l + "\n")
		if l == "waiting for events (Ctrl-C stops)" {
			break
		}
	}
	outputtest.Lines(t, out.String(),
		"parcel usps 9400111899223197428490 registered for order 1001, promised by 2026-11-25",
		"1. save a signed carrier event:",
		"2. post it with its HMAC-SHA256 signature (secret \"whsec_test\"):",
		"openssl dgst -sha256 -hmac 'whsec_test' event.json",
		"3. see the parcel:",
	)
	base := regexp.MustCompile(`tracking webhook server on (http://127\.0\.0\.1:\d+)`).FindStringSubmatch(out.String())
	if base == nil {
		t.Fatalf("no address printed:\n%s", out.String())
	}
	p := parseInstructions(t, out.String())
	if status, ans := post(t, base[1], p.header, p.signature, p.body); status != http.StatusOK || ans.Applied != 2 {
		t.Fatalf("signed event: %d %+v", status, ans)
	}
	if l := <-lines; l != `POST /webhooks/easypost: 200 {"applied":2,"duplicates":0,"orphaned":0,"quarantined":0}` {
		t.Errorf("server log line: %q", l)
	}
	cancel()
	for range lines { // drain until the server closes its output
	}
	if err := <-done; err != nil {
		t.Fatalf("serve: %v", err)
	}
}
