package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
)

func natsURL(t *testing.T) string {
	url := os.Getenv("OMS_TEST_NATS")
	if url == "" {
		url = "nats://127.0.0.1:4222"
	}
	nc, err := nats.Connect(url, nats.Timeout(3*time.Second))
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("NATS at %s unreachable in CI: %v", url, err)
		}
		t.Skipf("NATS at %s unreachable: %v", url, err)
	}
	nc.Close()
	return url
}

// TestExampleOutput runs the example and checks the lines a reader relies on.
func TestExampleOutput(t *testing.T) {
	url := natsURL(t)
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout := os.Stdout
	os.Stdout = w
	runErr := run(context.Background(), url)
	os.Stdout = stdout
	w.Close()
	var buf bytes.Buffer
	if _, err := io.Copy(&buf, r); err != nil {
		t.Fatal(err)
	}
	if runErr != nil {
		t.Fatalf("run: %v\n%s", runErr, buf.String())
	}
	out := strings.Join(strings.Fields(buf.String()), " ")
	for _, want := range []string{
		"relay published 3 events",
		"stream holds 3 messages:",
		"omsexample.order.placed v1 order.placed",
		"omsexample.order.confirmed v2 order.confirmed",
		"omsexample.order.shipped v3 order.shipped",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}
