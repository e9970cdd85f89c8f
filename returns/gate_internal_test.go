package returns

import (
	"fmt"
	"sync"
	"testing"

	"github.com/omskit/oms"
)

// TestOrderGatesAreForgottenWhenUnused: the per-order gates of a Service
// were kept for ever (a sync.Map entry per order ever returned), so a
// long-running Service grew with every order. A gate now lives while a
// command holds or awaits it, and still lets one command in at a time.
func TestOrderGatesAreForgottenWhenUnused(t *testing.T) {
	s := &Service{}
	var wg sync.WaitGroup
	inside := make(map[oms.ID]int)
	var mu sync.Mutex
	for i := 0; i < 400; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id := oms.ID(fmt.Sprint("o", i%7))
			unlock := s.gate(id)
			mu.Lock()
			inside[id]++
			if inside[id] != 1 {
				t.Errorf("%d commands inside %s's gate at once", inside[id], id)
			}
			mu.Unlock()
			mu.Lock()
			inside[id]--
			mu.Unlock()
			unlock()
		}()
	}
	wg.Wait()
	s.gatesMu.Lock()
	defer s.gatesMu.Unlock()
	if len(s.gates) != 0 {
		t.Fatalf("%d gates kept after every command ended, want 0", len(s.gates))
	}
}
