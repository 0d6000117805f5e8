package monitor_test

import (
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/paywatch/paywatch/monitor"
)

// TestWatcherTellsOfSleep: OnSleep hears of a sleep once, from the last wall-clock reading
// before it to the first after; a drifting clock is no sleep.
func TestWatcherTellsOfSleep(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		pages := &fakePages{states: map[string]monitor.State{"adyen": operational}}
		var mu sync.Mutex
		var spells [][2]time.Time
		sw := startBubbleWatch(t, []monitor.ServiceSpec{pages.spec("adyen", "Adyen")}, monitor.WatcherOptions{
			OnSleep: func(from, to time.Time) { mu.Lock(); spells = append(spells, [2]time.Time{from, to}); mu.Unlock() }})
		defer sw.stop()
		time.Sleep(20 * time.Second)
		synctest.Wait()
		sw.offset.Add(int64(50 * time.Second)) // drift, not sleep
		time.Sleep(15 * time.Second)
		synctest.Wait()
		mu.Lock()
		if len(spells) != 0 {
			t.Errorf("a drifting clock was taken for sleep: %v", spells)
		}
		mu.Unlock()
		before := time.Now().Add(time.Duration(sw.offset.Load()))
		sw.offset.Add(int64(2 * time.Hour))
		time.Sleep(15 * time.Second)
		synctest.Wait()
		mu.Lock()
		defer mu.Unlock()
		if len(spells) != 1 {
			t.Fatalf("told of %d sleeps, want 1: %v", len(spells), spells)
		}
		from, to := spells[0][0], spells[0][1]
		if from.After(before) || before.Sub(from) > 15*time.Second || to.Sub(from) < 2*time.Hour || to.Sub(from) > 2*time.Hour+15*time.Second {
			t.Errorf("sleep %s to %s; want from at most one tick before %s, lasting two hours and a tick", from, to, before)
		}
	})
}
