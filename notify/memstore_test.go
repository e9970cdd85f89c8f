package notify_test

import (
	"testing"

	"github.com/omskit/oms/notify"
	"github.com/omskit/oms/notify/notifytest"
)

func TestMemoryStore(t *testing.T) {
	notifytest.TestStore(t, func(*testing.T) notify.Store { return notify.NewMemoryStore() })
}

func TestZeroMemoryStore(t *testing.T) {
	notifytest.TestStore(t, func(*testing.T) notify.Store { return &notify.MemoryStore{} })
}
