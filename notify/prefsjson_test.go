package notify_test

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/omskit/oms/notify"
)

// TestPreferencesJSONKeepsAnEmptyChannelList: no channels at all (an
// empty, non-nil Channels) mutes the customer, while a missing list means
// the Notifier's defaults; a JSON round trip (a portal's settings form, a
// store keeping the preferences as JSON) must keep them apart.
func TestPreferencesJSONKeepsAnEmptyChannelList(t *testing.T) {
	for _, p := range []notify.Preferences{
		{Channels: []notify.Channel{}},
		{Channels: []notify.Channel{}, PerKind: map[notify.Kind][]notify.Channel{notify.KindShipped: {notify.ChannelSMS}}},
		{},
		{Channels: []notify.Channel{notify.ChannelEmail}, PerKind: map[notify.Kind][]notify.Channel{notify.KindDelivered: {}}},
	} {
		b, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		var got notify.Preferences
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(p, got); diff != "" {
			t.Errorf("%s: round trip (-want +got):\n%s", b, diff)
		}
	}
}
