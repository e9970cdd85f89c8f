// Package outputtest checks the printed output of the example programs, so
// an example that stops working, or starts telling another story, fails its
// test.
package outputtest

import (
	"strings"
	"testing"
)

// Lines fails t unless each of want is a line of out, in the order given
// (other lines may come between). Lines are compared with their leading and
// trailing spaces removed, so indentation and column padding at the end do
// not matter.
func Lines(t testing.TB, out string, want ...string) {
	t.Helper()
	lines := strings.Split(out, "\n")
	i := 0
	for _, w := range want {
		w = strings.TrimSpace(w)
		for i < len(lines) && strings.TrimSpace(lines[i]) != w {
			i++
		}
		if i == len(lines) {
			t.Fatalf("output lacks the line %q (after the lines before it in the list); output:\n%s", w, out)
		}
		i++
	}
}
