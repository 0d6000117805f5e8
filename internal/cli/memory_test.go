package cli

import (
	"testing"
	"time"

	"github.com/paywatch/paywatch/monitor"
)

func TestFirstRoundWaitsForEveryService(t *testing.T) {
	at := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	var f firstRound
	f.after(monitor.Snapshot{})
	if f.done {
		t.Fatal("an empty snapshot ended the first round")
	}
	f.after(monitor.Snapshot{Services: []monitor.ServiceStatus{{ID: "a", CheckedAt: at}, {ID: "b"}}})
	if f.done {
		t.Fatal("the first round ended with service b not yet checked")
	}
	f.after(monitor.Snapshot{Services: []monitor.ServiceStatus{{ID: "a", CheckedAt: at}, {ID: "b", CheckedAt: at.Add(time.Second)}}})
	if !f.done {
		t.Fatal("every service checked, but the first round did not end")
	}
}
