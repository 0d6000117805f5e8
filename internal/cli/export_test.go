//go:build !headless

package cli

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paywatch/paywatch/monitor"
	"github.com/paywatch/paywatch/monitor/history"
)

func TestEvidenceExportWritesEachFormat(t *testing.T) {
	day := time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC)
	clock := day.Add(9 * time.Hour)
	var mu sync.Mutex
	st, notice, err := history.Open(filepath.Join(t.TempDir(), "history.db"), history.Options{Heartbeat: 1000 * time.Hour,
		Now: func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }})
	if err != nil || !notice.IsZero() {
		t.Fatalf("open: %v %s", err, notice)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { _ = st.Run(ctx) })
	t.Cleanup(func() { cancel(); wg.Wait(); st.Close() })
	record := func(at time.Time, sv monitor.ServiceStatus) {
		mu.Lock()
		clock = at
		mu.Unlock()
		sv.CheckedAt = at
		st.Record(monitor.Update{Snapshot: monitor.Snapshot{At: at, Services: []monitor.ServiceStatus{sv}}})
	}
	stripe := monitor.ServiceStatus{ID: "stripe", Name: "Stripe", State: monitor.StateOperational}
	record(day.Add(9*time.Hour), stripe)
	in := monitor.Incident{ID: "i1", Title: "Card payments failing", Impact: monitor.StateMajorOutage, Status: "investigating",
		CreatedAt: day.Add(10 * time.Hour), LatestUpdate: "We are looking into it & will update soon."}
	stripe.State, stripe.Incidents = monitor.StateMajorOutage, []monitor.Incident{in}
	record(day.Add(10*time.Hour), stripe)
	in.ResolvedAt, in.Status = day.Add(11*time.Hour), "resolved"
	stripe.State, stripe.Incidents, stripe.Resolved = monitor.StateOperational, nil, []monitor.Incident{in}
	record(day.Add(11*time.Hour), stripe)
	fctx, fcancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer fcancel()
	if err := st.Flush(fctx); err != nil {
		t.Fatal(err)
	}

	hist, export := trayHistory(st, &monitor.Config{Alerts: monitor.AlertConfig{BusinessHours: &monitor.TimeWindow{From: "09:00", To: "17:00"}}})
	if hist == nil || export == nil {
		t.Fatal("an open history gave the window no record or no export")
	}
	dir := t.TempDir()
	for ext, want := range map[string]string{".html": "We are looking into it &amp; will update soon.", ".csv": "Card payments failing", ".json": `"title": "Card payments failing"`} {
		path := filepath.Join(dir, "evidence"+ext)
		if err := export(day, day.AddDate(0, 0, 1), []string{"stripe"}, path); err != nil {
			t.Fatalf("export %s: %v", ext, err)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), want) {
			t.Errorf("the %s report lacks %q:\n%.600s", ext, want, b)
		}
	}
	if err := export(day, day.AddDate(0, 0, 1), nil, filepath.Join(dir, "evidence.pdf")); err == nil || !strings.Contains(err.Error(), "must end in .html, .csv or .json") {
		t.Errorf("a .pdf file gave %v", err)
	}
	if h, e := trayHistory(nil, nil); h != nil || e != nil {
		t.Error("no history gave the window a record or an export")
	}
}
