//go:build !headless

package cli

import (
	"context"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/paywatch/paywatch/app"
	"github.com/paywatch/paywatch/monitor"
	"github.com/paywatch/paywatch/monitor/demo"
)

type menuTray struct {
	mu   sync.Mutex
	menu *fyne.Menu
}

func (m *menuTray) SetIcon(fyne.Resource)   {}
func (m *menuTray) SetTooltip(string)       {}
func (m *menuTray) SetMenu(menu *fyne.Menu) { m.mu.Lock(); m.menu = menu; m.mu.Unlock() }

// TestAnnouncedMaintenanceStaysInTheMenu: the demo's "Globex Payroll announces maintenance",
// read from a status page by the real watcher, stays a line of the tray menu after its
// notification has gone.
func TestAnnouncedMaintenanceStaysInTheMenu(t *testing.T) {
	payroll := demo.NewPage("globexpay001", "Globex Payroll", "Payroll")
	start := time.Now().Add(2 * time.Hour).Truncate(time.Minute)
	payroll.SetMaintenance(&demo.Upcoming{Name: "Payroll system upgrade", Starts: start, End: start.Add(time.Hour)})
	pages := httptest.NewServer(demo.NewServer(nil, payroll))
	defer pages.Close()
	cfg, err := monitor.ParseConfig(fmt.Appendf(nil, "services:\n  - {name: Globex Payroll, url: %s/globexpay001, platform: statuspage, interval: 1s}\n", pages.URL))
	if err != nil {
		t.Fatal(err)
	}
	specs, err := resolve(cfg, newFetcher())
	if err != nil {
		t.Fatal(err)
	}
	w, _ := newWatcher(watchOptions{cfg: cfg, specs: specs, log: slog.New(slog.DiscardHandler)})
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	updates := make(chan monitor.Update, 4)
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx, updates) }()

	a := test.NewTempApp(t)
	tray := &menuTray{}
	d := app.NewDesktop(a, tray, app.Actions{CheckNow: func() {}, Quit: func() {}}, nil)
	var snap monitor.Snapshot
	for len(snap.Services) == 0 || snap.Services[0].CheckedAt.IsZero() {
		select {
		case u := <-updates:
			snap = u.Snapshot
		case <-ctx.Done():
			t.Fatal("no checked snapshot within 30 s")
		}
	}
	cancel()
	<-done
	d.Apply(snap)
	sv := snap.Services[0]
	if len(sv.Maintenances) != 1 {
		t.Fatalf("the snapshot has %d maintenances, want the one announced", len(sv.Maintenances))
	}
	want := "Globex Payroll — " + app.MaintenanceLine(sv.Maintenances[0], time.Now())
	if !strings.HasPrefix(want, "Globex Payroll — Maintenance planned ") || !strings.Contains(want, start.Format("15:04")) {
		t.Errorf("the line %q does not give the announced hours", want)
	}
	tray.mu.Lock()
	defer tray.mu.Unlock()
	var labels []string
	for _, it := range tray.menu.Items {
		labels = append(labels, it.Label)
	}
	if !strings.Contains(strings.Join(labels, "\n"), want) {
		t.Errorf("the menu lacks %q:\n%s", want, strings.Join(labels, "\n"))
	}
}
