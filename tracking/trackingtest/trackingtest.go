// Package trackingtest holds the conformance suite every tracking.Store
// implementation runs (TestStore, driven through a Harness) and fakes for
// tests of code that uses package tracking: a scripted Source. (Customer
// messages moved to package notify, whose notifytest has a recording
// Sender.)
package trackingtest

import (
	"context"
	"sync"

	"github.com/omskit/oms"
	"github.com/omskit/oms/tracking"
)

// Source is a scripted tracking.Source: it returns the update or error set
// for a number and counts the calls. It is safe for concurrent use.
type Source struct {
	mu      sync.Mutex
	updates map[string]tracking.Update
	errs    map[string]error
	calls   map[string]int
}

var _ tracking.Source = (*Source)(nil)

// NewSource returns an empty source; unknown numbers return ErrNotFound.
func NewSource() *Source {
	return &Source{updates: map[string]tracking.Update{}, errs: map[string]error{}, calls: map[string]int{}}
}

// Set makes Track return u for its tracking number (and no error).
func (s *Source) Set(u tracking.Update) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := tracking.NewKey(u.Carrier, u.TrackingNumber).TrackingNumber
	s.updates[k] = u
	delete(s.errs, k)
}

// Fail makes Track return err for number.
func (s *Source) Fail(number string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.errs[tracking.NewKey("", number).TrackingNumber] = err
}

// Calls returns how many times number was tracked.
func (s *Source) Calls(number string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[tracking.NewKey("", number).TrackingNumber]
}

// Track implements tracking.Source.
func (s *Source) Track(ctx context.Context, carrier, number string) (tracking.Update, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := tracking.NewKey(carrier, number).TrackingNumber
	s.calls[k]++
	if err, ok := s.errs[k]; ok {
		return tracking.Update{}, err
	}
	u, ok := s.updates[k]
	if !ok {
		return tracking.Update{}, oms.NotFoundError("tracking number", number)
	}
	u.Events = append([]tracking.Event(nil), u.Events...)
	return u, nil
}
