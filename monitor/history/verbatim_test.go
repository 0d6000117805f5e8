package history

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/paywatch/paywatch/monitor"
)

// The history keeps an update's text exactly as the page published it (markup, control
// characters, any length) with the hash of those bytes, while the snapshot every output reads
// carries it cleaned and capped.
func TestUpdateKeptAsPublished(t *testing.T) {
	published := "<p>Card payments <b>fail</b> for some cards & wallets.</p>\x1b[31m\n\n" + strings.Repeat("More detail. ", 200)
	spec := monitor.ServiceSpec{ID: "acme", Name: "Acme Pay", Targets: []monitor.Target{{ServiceID: "acme", SourceID: "page", Kind: monitor.KindPage, URL: "https://status.acme.example"}}}
	tr := monitor.NewTracker([]monitor.ServiceSpec{spec}, monitor.Thresholds{})
	at := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	tr.Observe(monitor.Observation{Target: "acme/page", At: at, Report: monitor.Report{
		Indicator: monitor.StateDegraded,
		Incidents: []monitor.Incident{{ID: "i1", Title: "Card payments failing", Impact: monitor.StateDegraded, Status: "investigating",
			CreatedAt: at, UpdatedAt: at, LatestUpdate: published}},
	}})
	snap := tr.Snapshot(at)
	shown := snap.Services[0].Incidents[0].LatestUpdate
	if strings.ContainsAny(shown, "<>\x1b") || len(shown) > monitor.MaxPageText+len("…") {
		t.Fatalf("the snapshot's update is not cleaned and capped: %q (%d bytes)", shown[:min(len(shown), 80)], len(shown))
	}

	clk := newClock(at)
	s := testStore(t, clk.opts(Options{}))
	running(t, s)
	s.Record(monitor.Update{Snapshot: snap})
	flush(t, s)
	got, err := s.Incidents(context.Background(), IncidentQuery{From: at.Add(-time.Hour), To: at.Add(time.Hour), Now: at.Add(time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || len(got[0].Updates) != 1 {
		t.Fatalf("got %d incidents (%+v), want one with one update", len(got), got)
	}
	u := got[0].Updates[0]
	sum := sha256.Sum256([]byte(published))
	if u.Text != published {
		t.Errorf("kept text differs from what was published:\n got %q\nwant %q", u.Text[:min(len(u.Text), 80)], published[:80])
	}
	if u.SHA256 != hex.EncodeToString(sum[:]) {
		t.Errorf("sha256 = %s, want the hash of the published bytes %x", u.SHA256, sum)
	}
}
