package channels

import (
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/paywatch/paywatch/monitor"
)

// TestOutcomeHook: the history hears of every message once, as delivered or failed after every
// retry, with no secret in it.
func TestOutcomeHook(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		log, _ := testLogger(t)
		failingURL := "generic+https://hooks.example.com/in?token=" + webhookToken
		d := newDispatcher(log)
		d.add(monitor.ChannelConfig{URL: failingURL}, "generic", &recorder{url: failingURL, fail: -1})
		d.add(monitor.ChannelConfig{Name: "Team", URL: "slack://hook:" + slackHookToken + "@webhook"}, "slack", &recorder{})
		var mu sync.Mutex
		var got []Outcome
		d.OnOutcome(func(o Outcome) { mu.Lock(); got = append(got, o); mu.Unlock() })
		outcomes := func() []string {
			mu.Lock()
			defer mu.Unlock()
			var out []string
			for _, o := range got {
				out = append(out, o.Channel+" "+string(o.Result)+" "+o.Notification.Title)
			}
			return out
		}
		stop := start(t, d)
		d.Send(outage)
		time.Sleep(10 * time.Minute) // every retry of the failing channel
		synctest.Wait()
		redacted := Redact(failingURL)
		if want := []string{"Team delivered " + outage.Title, redacted + " failed " + outage.Title}; !slices.Equal(outcomes(), want) {
			t.Fatalf("outcomes %q, want %q", outcomes(), want)
		}
		mu.Lock()
		failed := got[1]
		mu.Unlock()
		if failed.Attempts != defaultRetry.tries || failed.Error == "" || failed.At.IsZero() {
			t.Errorf("failed outcome %+v: want every attempt counted, a reason and a time", failed)
		}
		for _, o := range got {
			if slices.ContainsFunc([]string{o.Channel, o.Error}, func(s string) bool {
				return s != "" && (strings.Contains(s, webhookToken) || strings.Contains(s, slackHookToken))
			}) {
				t.Errorf("an outcome carries a secret: %+v", o)
			}
		}

		stop()
	})
}

// TestOutcomeHookFullQueue: the message a full queue throws away is reported as dropped.
func TestOutcomeHookFullQueue(t *testing.T) {
	d := newDispatcher(slog.New(slog.DiscardHandler))
	d.add(monitor.ChannelConfig{Name: "Team", URL: "slack://hook:x@webhook"}, "slack", &recorder{})
	var got []Outcome
	d.OnOutcome(func(o Outcome) { got = append(got, o) })
	for i := range queueSize + 1 {
		n := outage
		n.Title = string(rune('A' + i%26))
		d.Send(n)
	}
	if len(got) != 1 || got[0].Result != Dropped || got[0].Notification.Title != "A" {
		t.Errorf("outcomes %+v, want the oldest message dropped", got)
	}
}
