package outputtest

import "testing"

// recorder is a testing.TB that remembers a failure instead of stopping
// the test.
type recorder struct {
	testing.TB
	failed bool
}

func (r *recorder) Helper()               {}
func (r *recorder) Fatalf(string, ...any) { r.failed = true }

func TestLines(t *testing.T) {
	const out = "a\n  b  \nc\n"
	for _, tc := range []struct {
		name string
		want []string
		fail bool
	}{
		{"all in order", []string{"a", "b", "c"}, false},
		{"some, gaps allowed", []string{"a", "c"}, false},
		{"none", nil, false},
		{"wrong order", []string{"c", "a"}, true},
		{"missing", []string{"a", "d"}, true},
		{"part of a line is not a line", []string{"b  x"}, true},
		{"repeated needs two lines", []string{"a", "a"}, true},
	} {
		r := &recorder{TB: t}
		Lines(r, out, tc.want...)
		if r.failed != tc.fail {
			t.Errorf("%s: failed %v, want %v", tc.name, r.failed, tc.fail)
		}
	}
}
