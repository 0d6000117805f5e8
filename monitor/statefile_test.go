package monitor_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/paywatch/paywatch/monitor"
	"github.com/paywatch/paywatch/monitor/demo"
)

// TestStateUnwritable: the cache folder cannot be written (here a file stands where its folder
// should be, which stops root too, unlike chmod 555). The state goes to the second place, and a
// restart tells nothing again; when neither place can be written, every update says so, for the
// tray to show.
func TestStateUnwritable(t *testing.T) {
	synctest.Test(t, testStateUnwritable)
}

func testStateUnwritable(t *testing.T) {
	dir := t.TempDir()
	blocker := filepath.Join(dir, "cache")
	if err := os.WriteFile(blocker, []byte("not a folder"), 0o600); err != nil {
		t.Fatal(err)
	}
	primary := filepath.Join(blocker, "paywatch", "alerts.json")
	fallback := filepath.Join(dir, "config", "paywatch", "alerts.json")
	bank := demo.NewPage("northwind000", "Northwind Bank", "Online banking")
	base, f, _, _ := memPages(t, bank)
	spec := pageSpec(base, bank, f)

	// run starts Paywatch, waits for the first round, makes the bank go down if asked, waits
	// until the state is settled, and stops; it returns what it told and the last update.
	run := func(fallbackPath string, outage bool) ([]string, monitor.Update) {
		st, err := monitor.LoadPolicyStates(primary, fallbackPath)
		if err != nil {
			t.Fatal(err)
		}
		w := monitor.NewWatcher([]monitor.ServiceSpec{spec}, monitor.WatcherOptions{
			Engine: monitor.EngineOptions{Stagger: time.Millisecond}, State: st, StatePath: primary, StateFallback: fallbackPath})
		ctx, cancel := context.WithCancel(t.Context())
		updates := make(chan monitor.Update)
		done := make(chan struct{})
		go func() { w.Run(ctx, updates); close(done) }()
		var told []string
		var last monitor.Update
		read := func(d time.Duration) {
			timeout := time.After(d)
			for {
				select {
				case u := <-updates:
					last = u
					for _, n := range u.Notifications {
						told = append(told, n.Title)
					}
				case <-timeout:
					return
				}
			}
		}
		read(time.Second)
		if outage {
			bank.Set("Online banking", demo.Major)
			w.CheckNow()
		}
		read(monitor.StormWindow + 2*time.Minute)
		cancel()
		<-done
		return told, last
	}

	told, last := run(fallback, true)
	if want := "Northwind Bank: Major outage"; len(told) != 1 || told[0] != want {
		t.Fatalf("first run told %q, want %q", told, want)
	}
	if last.Notice != "" {
		t.Errorf("saved to the second place, yet the notice says %q", last.Notice)
	}
	if _, err := os.Stat(fallback); err != nil {
		t.Fatalf("nothing saved to the second place: %v", err)
	}
	told, _ = run(fallback, false)
	if len(told) != 0 {
		t.Errorf("after a restart, told %q again", told)
	}

	// Neither place can be written.
	bank.Set("Online banking", demo.Operational)
	_, last = run(filepath.Join(blocker, "also", "alerts.json"), false)
	if !strings.Contains(last.Notice, "cannot save what it has told you") || !strings.Contains(last.Notice, "a file is in the way") {
		t.Errorf("neither place writable: notice %q, want it to say the state cannot be saved, and why", last.Notice)
	}
}
