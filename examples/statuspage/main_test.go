package main

import (
	"bufio"
	"context"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/omskit/oms"
)

// seen is what a person reads on the demo order's page, in order: the
// status, both parcels with their timelines, and the return.
var seen = []string{
	"Order 1001",
	"Delivered",
	"Total 205.20 USD",
	"Floor lamp 2 2 2 0 192.24 USD",
	"Blue mug 1 1 1 0 12.96 USD",
	"Shipment 1 with parcelco: Delivered",
	"shipped Mon Nov 23 · delivered Wed Nov 25",
	"Parcel 1 · tracking number PARC0000000001 · Delivered",
	"Mon Nov 23, 18:00 · In transit: Picked up",
	"Tue Nov 24, 08:00 · Out for delivery: On the van",
	"Tue Nov 24, 13:00 · Delivered: Left at the front desk",
	"Parcel 2 · tracking number PARC0000000002 · Delivered",
	"Mon Nov 23, 18:00 · In transit: Picked up",
	"Wed Nov 25, 08:00 · Out for delivery: On the van",
	"Wed Nov 25, 13:00 · Delivered: Left at the front desk",
	"Return: Label ready: please send it back",
	"1 × Blue mug",
	"return label PARC0000000003",
}

// startDemo plays the demo order and serves its page.
func startDemo(t *testing.T) *httptest.Server {
	t.Helper()
	shop, o, err := demo(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(newServer(shop.Notify, map[string]oms.ID{o.Number: o.ID}))
	t.Cleanup(ts.Close)
	return ts
}

var (
	tags  = regexp.MustCompile(`(?s)<style.*?</style>|<[^>]+>`)
	space = regexp.MustCompile(`\s+`)
)

// visibleText turns a page's HTML into its text as one line.
func visibleText(page string) string {
	return strings.TrimSpace(space.ReplaceAllString(html.UnescapeString(tags.ReplaceAllString(page, " ")), " "))
}

// checkSeen fails t unless text holds each of seen, in order.
func checkSeen(t *testing.T, text string) {
	t.Helper()
	rest := text
	for _, s := range seen {
		i := strings.Index(rest, s)
		if i < 0 {
			t.Fatalf("the page does not show %q after what came before; it shows:\n%s", s, text)
		}
		rest = rest[i+len(s):]
	}
}

// TestStatusPage fetches the page over HTTP and checks what it says; an
// unknown order number is a 404.
func TestStatusPage(t *testing.T) {
	ts := startDemo(t)
	res, err := http.Get(ts.URL + "/orders/1001")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("status page: %s, %s", res.Status, res.Header.Get("Content-Type"))
	}
	if strings.Contains(string(body), "<script") || strings.Contains(string(body), "http://") || strings.Contains(string(body), "https://") {
		t.Error("the page should load no scripts or external assets")
	}
	checkSeen(t, visibleText(string(body)))
	if res, err := http.Get(ts.URL + "/orders/9999"); err != nil || res.StatusCode != http.StatusNotFound {
		t.Fatalf("unknown order: %v %v", res.Status, err)
	}
}

// chromium returns the path of a Chromium (or Chrome) binary: $CHROMIUM,
// or the first of the usual names on PATH.
func chromium() (string, bool) {
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p, true
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, true
		}
	}
	return "", false
}

// TestStatusPageInChromium loads the page of a delivered two-parcel order in
// headless Chromium and checks what a person sees in the DOM the browser
// built. Without a browser the test is skipped, except in CI (CI set), where
// .ci/run installs Debian's chromium and a missing browser is a failure.
func TestStatusPageInChromium(t *testing.T) {
	bin, ok := chromium()
	if !ok {
		if os.Getenv("CI") != "" {
			t.Fatal("no chromium on PATH (set CHROMIUM); CI needs it for the status page test")
		}
		t.Skip("no chromium on PATH (set CHROMIUM to run this test)")
	}
	ts := startDemo(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
		"--user-data-dir="+t.TempDir(), "--dump-dom", ts.URL+"/orders/1001")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	dom, err := cmd.Output()
	if err != nil {
		t.Fatalf("chromium: %v\n%s", err, stderr.String())
	}
	if !strings.Contains(string(dom), `<h1 id="status">Delivered</h1>`) {
		t.Fatalf("chromium's DOM lacks the status heading:\n%s", dom)
	}
	checkSeen(t, visibleText(string(dom)))
}

// TestServe runs the program's server on a free port, opens the address it
// prints and stops it.
func TestServe(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		err := serve(ctx, "127.0.0.1:0", pw)
		pw.Close()
		done <- err
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	url := regexp.MustCompile(`http://\S+/orders/1001`).FindString(line)
	if url == "" {
		t.Fatalf("no address printed: %q", line)
	}
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	checkSeen(t, visibleText(string(body)))
	cancel()
	go io.Copy(io.Discard, pr)
	if err := <-done; err != nil {
		t.Fatalf("serve: %v", err)
	}
}
