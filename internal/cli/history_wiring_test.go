package cli

import (
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/paywatch/paywatch/monitor"
	"github.com/paywatch/paywatch/monitor/channels"
	"github.com/paywatch/paywatch/monitor/history"
)

// TestCorruptHistoryIsANotice: a damaged history file is moved aside at start, a new one is
// started, the tray's notice line says so, and paywatch status lists the file moved aside.
func TestCorruptHistoryIsANotice(t *testing.T) {
	state := t.TempDir()
	t.Setenv("XDG_STATE_HOME", state)
	path := filepath.Join(state, "paywatch", "history.db")
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(strings.Repeat("not a database ", 500)), 0o600); err != nil {
		t.Fatal(err)
	}
	st, notice := openHistory(&monitor.Config{}, slog.New(slog.DiscardHandler))
	if st == nil {
		t.Fatalf("no history: %q", notice)
	}
	defer st.Close()
	aside := historySetAside()
	if len(aside) != 1 || !strings.HasPrefix(aside[0], path+".corrupt-") {
		t.Fatalf("set aside %q, want one file next to %s", aside, path)
	}
	if want := "The history file could not be read (it is not a database file). It was moved to " + aside[0] + " and a new history was started."; notice != want {
		t.Errorf("notice %q, want %q", notice, want)
	}
	if got := joinNotices("Your settings file has a problem.", notice); got != "Your settings file has a problem. "+notice {
		t.Errorf("both notices: %q", got)
	}
}

// TestHistoryOff: with `history: {enabled: false}` nothing is opened or created, and there is
// no notice (the user asked for it).
func TestHistoryOff(t *testing.T) {
	state := t.TempDir()
	t.Setenv("XDG_STATE_HOME", state)
	off := false
	st, notice := openHistory(&monitor.Config{History: monitor.HistoryConfig{Enabled: &off}}, slog.New(slog.DiscardHandler))
	if st != nil || notice != "" {
		t.Errorf("history off: store %v, notice %q; want none", st, notice)
	}
	if _, err := os.Stat(filepath.Join(state, "paywatch", "history.db")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("history off: the file exists or cannot be checked (%v)", err)
	}
	st, _ = openHistory(&monitor.Config{}, slog.New(slog.DiscardHandler))
	if st == nil {
		t.Fatal("history on by default: no store")
	}
	st.Close()
}

func TestHistoryProblems(t *testing.T) {
	var st history.Status
	problems := joinProblems(nil, historyProblems(func() history.Status { return st }))
	if got := problems(); len(got) != 0 {
		t.Errorf("a healthy history shows %q", got)
	}
	st.Err = errors.New("history: write: database or disk is full (13)")
	if got, want := problems(), []string{"History not saved: the disk is full. Paywatch goes on watching."}; !slices.Equal(got, want) {
		t.Errorf("full disk: %q, want %q", got, want)
	}
	st.Err, st.Dropped = nil, 3
	if got, want := problems(), []string{"History: 3 records could not be saved"}; !slices.Equal(got, want) {
		t.Errorf("dropped: %q, want %q", got, want)
	}
	if historyProblems(statusOf(nil)) != nil || joinProblems(nil, nil) != nil {
		t.Error("no history, yet menu lines for it")
	}
}

func TestDeliveryFromChannelOutcome(t *testing.T) {
	at := time.Date(2026, 3, 10, 9, 50, 0, 0, time.UTC)
	n := monitor.Notification{ServiceID: "stripe", Title: "Stripe: Major outage", Body: "Card payments failing", State: monitor.StateMajorOutage, Severity: monitor.StateMajorOutage}
	for r, want := range map[channels.Result]history.Outcome{channels.Delivered: history.OutcomeDelivered, channels.Failed: history.OutcomeFailed, channels.Expired: history.OutcomeExpired, channels.Dropped: history.OutcomeExpired} {
		d := delivery(channels.Outcome{At: at, Channel: "Team", Notification: n, Result: r, Attempts: 6, Error: "the server said 500"})
		if d != (history.Delivery{At: at, Channel: "Team", ServiceID: "stripe", Title: n.Title, Body: n.Body, State: n.State, Severity: n.Severity,
			Outcome: want, Attempts: 6, Error: "the server said 500"}) {
			t.Errorf("%s: %+v", r, d)
		}
	}
}

func TestHistoryOptionsFromSettings(t *testing.T) {
	cfg, err := monitor.ParseConfig([]byte("services: [{name: Acme Pay, url: https://status.acme.example}]\nhistory: {keep: 30d, max_size: 50MB}\n"))
	if err != nil {
		t.Fatal(err)
	}
	o := historyOptions(cfg, slog.New(slog.DiscardHandler))
	if o.Keep != 30*24*time.Hour || o.MaxBytes != 50<<20 {
		t.Errorf("options keep %s, max %d; want 30 days and 50 MB", o.Keep, o.MaxBytes)
	}
	if o := historyOptions(&monitor.Config{}, slog.New(slog.DiscardHandler)); o.Keep != 0 || o.MaxBytes != 0 {
		t.Errorf("no settings: keep %s, max %d; want zero (the store's defaults)", o.Keep, o.MaxBytes)
	}
}
