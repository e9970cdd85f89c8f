package packing

import "testing"

// pkCheck fails t when p is not a valid packing.
func pkCheck(t testing.TB, items []Item, boxes []BoxType, p Result) {
	t.Helper()
	if err := Check(items, boxes, p); err != nil {
		t.Fatalf("invalid packing: %v", err)
	}
}

// pkMustPack packs and checks the result.
func pkMustPack(t testing.TB, items []Item, boxes []BoxType, opts *Options) Result {
	t.Helper()
	p, err := Pack(items, boxes, opts)
	if err != nil {
		t.Fatalf("Pack: %v", err)
	}
	pkCheck(t, items, boxes, p)
	return p
}
