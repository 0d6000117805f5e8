package app

import (
	"context"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"github.com/paywatch/paywatch/monitor"
)

// TestUpdateNoticeInMenu: an update's notice (the alert state cannot be saved) is the tray
// menu's first line while it lasts; then the settings notice is back.
func TestUpdateNoticeInMenu(t *testing.T) {
	a := test.NewTempApp(t)
	tray := &fakeTray{}
	d := NewDesktop(a, tray, Actions{Quit: func() {}}, nil)
	d.SetNotice("Your settings file has a problem")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	updates := make(chan monitor.Update)
	done := make(chan struct{})
	go func() { d.Run(ctx, updates); close(done) }()
	snap := monitor.Snapshot{Services: []monitor.ServiceStatus{svc("Stripe", monitor.StateOperational, time.Now())}}
	first := func() string {
		tray.mu.Lock()
		defer tray.mu.Unlock()
		if len(tray.menus) == 0 {
			return ""
		}
		return tray.menus[len(tray.menus)-1].Items[0].Label
	}
	waitFirst := func(want string) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for first() != want {
			if time.Now().After(deadline) {
				t.Fatalf("first menu item %q, want %q", first(), want)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	const cannot = "Paywatch cannot save what it has told you (the disk is full): after a restart it may notify again"
	updates <- monitor.Update{Snapshot: snap, Notice: cannot}
	waitFirst(cannot)
	updates <- monitor.Update{Snapshot: snap}
	waitFirst("Your settings file has a problem")
	cancel()
	<-done
}
