package app

import (
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"github.com/paywatch/paywatch/monitor"
)

// Start at login turned on in the settings or welcome window shows as ticked in the menu.
func TestRefreshLoginShowsAChangeMadeElsewhere(t *testing.T) {
	a := test.NewTempApp(t)
	tray := &fakeTray{}
	var mu sync.Mutex
	on := false
	d := NewDesktop(a, tray, Actions{
		StartAtLogin:    func() (bool, error) { mu.Lock(); defer mu.Unlock(); return on, nil },
		SetStartAtLogin: func(bool) error { return nil },
	}, nil)
	d.Apply(monitor.Snapshot{Services: []monitor.ServiceStatus{svc("Stripe", monitor.StateOperational, time.Now())}})
	ticked := func() bool {
		for _, it := range tray.lastMenu().Items {
			if strings.HasPrefix(it.Label, "Start at login") {
				return it.Checked
			}
		}
		t.Fatal("no Start at login entry")
		return false
	}
	d.refreshLogin(nil)
	if ticked() {
		t.Fatal("ticked before it was turned on")
	}
	mu.Lock()
	on = true // as the settings window does through SetStartAtLogin
	mu.Unlock()
	d.RefreshLogin()
	d.stopLogin() // waits for the read RefreshLogin started
	if !ticked() {
		t.Error("the menu does not show start at login turned on elsewhere")
	}
}
