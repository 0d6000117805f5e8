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
)

// TestWatcherSavesStateSparingly: the alert state is written at once after a quiet spell, a
// second change within two seconds waits for them (one write for a burst), a save that would
// write the same bytes writes nothing, and what waits is written when the watcher stops.
func TestWatcherSavesStateSparingly(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "alerts.json")
		pages := &fakePages{states: map[string]monitor.State{"adyen": operational}}
		sw := startBubbleWatch(t, []monitor.ServiceSpec{pages.spec("adyen", "Adyen")},
			monitor.WatcherOptions{StatePath: path})
		stopped := false
		defer func() {
			if !stopped {
				sw.stop()
			}
		}()
		saved := func(step string, want ...string) os.FileInfo {
			t.Helper()
			synctest.Wait()
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%s: %v", step, err)
			}
			for _, w := range want {
				if !strings.Contains(string(b), w) {
					t.Errorf("%s: the state file does not hold %s", step, w)
				}
			}
			fi, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			return fi
		}
		time.Sleep(10 * time.Second) // the baseline, saved
		saved("baseline", `"adyen"`)
		until := time.Now().Add(time.Hour)

		sw.w.Snooze("alpha-service", until)
		saved("first snooze", `"alpha-service"`)
		sw.w.Snooze("bravo-service", until)
		synctest.Wait()
		if b, _ := os.ReadFile(path); strings.Contains(string(b), "bravo-service") {
			t.Errorf("a second change within %s was written at once", 2*time.Second)
		}
		time.Sleep(2 * time.Second)
		before := saved("two seconds later", `"alpha-service"`, `"bravo-service"`)

		time.Sleep(5 * time.Second)
		sw.w.Resume("nobody") // changes nothing
		time.Sleep(2 * time.Second)
		if after := saved("an unchanged state"); !os.SameFile(before, after) {
			t.Errorf("an unchanged state was written again")
		}

		sw.w.Snooze("charlie-service", until)
		synctest.Wait()
		sw.w.Snooze("delta-service", until) // waits for the gap …
		synctest.Wait()
		sw.stop() // … and is written on the way out
		stopped = true
		saved("stopped", `"charlie-service"`, `"delta-service"`)
	})
}

// TestWatcherSendsBeforeSavingWhatTellsNothing: an update without notifications (here the
// baseline of the first checks) is handed on before the alert state is written, so that a slow
// disk never holds back the icon; the state follows right after.
func TestWatcherSendsBeforeSavingWhatTellsNothing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "alerts.json")
		pages := &fakePages{states: map[string]monitor.State{"adyen": operational}}
		w := monitor.NewWatcher([]monitor.ServiceSpec{pages.spec("adyen", "Adyen")},
			monitor.WatcherOptions{StatePath: path, Engine: monitor.EngineOptions{Stagger: time.Millisecond}})
		ctx, cancel := context.WithCancel(t.Context())
		updates := make(chan monitor.Update)
		done := make(chan error, 1)
		go func() { done <- w.Run(ctx, updates) }()
		defer func() { cancel(); <-done }()

		<-updates // the start, before any check
		time.Sleep(time.Second)
		synctest.Wait() // the first check is in; its update waits to be taken
		if _, err := os.Stat(path); err == nil {
			t.Fatal("the alert state was written before the update that tells nothing went out")
		}
		u := <-updates
		if len(u.Notifications) != 0 || len(u.Snapshot.Services) != 1 || u.Snapshot.Services[0].CheckedAt.IsZero() {
			t.Fatalf("update = %+v, want the baseline of the first check, telling nothing", u)
		}
		synctest.Wait()
		if _, err := os.Stat(path); err != nil {
			t.Fatalf("after the update went out, the alert state was not written: %v", err)
		}
	})
}
