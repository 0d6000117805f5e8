package channels

// Fake-clock tests: fake senders inside testing/synctest bubbles, so that minutes of backoff
// pass at once. Real delivery (HTTP, SMTP) is tested apart, in delivery_test.go.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/nicholas-fedor/shoutrrr/pkg/types"

	"github.com/paywatch/paywatch/monitor"
)

// syncBuffer is a log sink the test can read while the Dispatcher writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func testLogger(t *testing.T) (*slog.Logger, *syncBuffer) {
	t.Helper()
	var buf syncBuffer
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("log:\n%s", buf.String())
		}
	})
	return slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})), &buf
}

func channelConfigs(urls ...string) []monitor.ChannelConfig {
	var out []monitor.ChannelConfig
	for _, u := range urls {
		out = append(out, monitor.ChannelConfig{URL: u})
	}
	return out
}

func state(s monitor.State) *monitor.State { return &s }

// recorder is a fake channel: it notes each attempt and fails the first `fail` of them (all,
// when fail < 0) with an error that quotes the channel's secret address, as libraries do.
type recorder struct {
	mu       sync.Mutex
	url      string
	fail     int
	attempts []time.Time
	got      []message
}

func (r *recorder) send(ctx context.Context, m message) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.attempts = append(r.attempts, time.Now())
	if r.fail < 0 || len(r.attempts) <= r.fail {
		return fmt.Errorf("sending message via service at %q: server returned unexpected response status code: 500 Internal Server Error", r.url)
	}
	r.got = append(r.got, m)
	return nil
}

func (r *recorder) snapshot() ([]time.Time, []message) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.attempts), slices.Clone(r.got)
}

// start runs d in the background; the returned function stops it and waits for Run to return.
func start(t *testing.T, d *Dispatcher) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() {
		d.Run(ctx)
		close(done)
	}()
	return func() {
		cancel()
		<-done
	}
}

var outage = monitor.Notification{ServiceID: "acme-pay", Title: "Acme Pay: Major outage",
	Body: "Card payments failing — We are investigating.", State: monitor.StateMajorOutage, Severity: monitor.StateMajorOutage}

func TestRetryBacksOffThenGivesUp(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		log, logs := testLogger(t)
		failingURL := "generic+https://hooks.example.com/in?token=" + webhookToken
		failing := &recorder{url: failingURL, fail: -1}
		healthy := &recorder{}
		d := newDispatcher(log)
		d.add(monitor.ChannelConfig{Name: "Ops webhook", URL: failingURL}, "generic", failing)
		d.add(monitor.ChannelConfig{URL: "slack://hook:" + slackHookToken + "@webhook"}, "slack", healthy)
		stop := start(t, d)
		defer stop()

		t0 := time.Now()
		d.Send(outage)
		synctest.Wait()
		if _, got := healthy.snapshot(); len(got) != 1 {
			t.Fatalf("healthy channel got %d messages at once, want 1", len(got))
		}
		if st := d.Status()[0]; !st.OK || st.Pending != 1 {
			t.Errorf("failing channel while retrying: OK %v Pending %d, want OK (still retrying) and 1 pending", st.OK, st.Pending)
		}

		time.Sleep(10 * time.Minute)
		synctest.Wait()
		attempts, _ := failing.snapshot()
		if len(attempts) != defaultRetry.tries {
			t.Fatalf("failing channel: %d attempts, want %d", len(attempts), defaultRetry.tries)
		}
		if !attempts[0].Equal(t0) {
			t.Errorf("first attempt after %s, want at once", attempts[0].Sub(t0))
		}
		want := 5 * time.Second
		for i := 1; i < len(attempts); i++ {
			gap := attempts[i].Sub(attempts[i-1])
			if gap < want*8/10 || gap > want*12/10 {
				t.Errorf("wait before attempt %d = %s, want %s ± 20%%", i+1, gap, want)
			}
			want *= 2
		}

		st := d.Status()
		if st[0].OK || st[0].Pending != 0 || st[0].LastFailure.IsZero() || !st[0].LastSent.IsZero() {
			t.Errorf("failing channel status = %+v, want failed, nothing pending, a failure time", st[0])
		}
		if want := "the service had a problem (HTTP 500 Internal Server Error)"; st[0].LastError != want {
			t.Errorf("LastError = %q, want %q", st[0].LastError, want)
		}
		if st[0].Name != "Ops webhook" || st[0].URL != "generic+https://hooks.example.com" || st[0].Service != "generic" {
			t.Errorf("failing channel = %q %q %q", st[0].Name, st[0].URL, st[0].Service)
		}
		if !st[1].OK || !st[1].LastSent.Equal(t0) || st[1].Name != "slack://webhook" {
			t.Errorf("healthy channel status = %+v, want OK, sent at the start, named by its redacted URL", st[1])
		}
		for _, secret := range []string{webhookToken, slackHookToken} {
			if strings.Contains(logs.String(), secret) || strings.Contains(fmt.Sprint(st), secret) {
				t.Errorf("secret %q shown in the log or status", secret)
			}
		}
		if n := strings.Count(logs.String(), "will retry"); n != defaultRetry.tries-1 {
			t.Errorf("log has %d retry lines, want %d", n, defaultRetry.tries-1)
		}
		if !strings.Contains(logs.String(), "giving up") {
			t.Errorf("log does not say it gave up")
		}
	})
}

func TestRetryRecovers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		log, _ := testLogger(t)
		r := &recorder{fail: 2}
		d := newDispatcher(log)
		d.add(monitor.ChannelConfig{URL: "discord://" + discordToken + "@693853386302554172"}, "discord", r)
		stop := start(t, d)
		defer stop()
		d.Send(outage)
		time.Sleep(time.Minute)
		synctest.Wait()
		attempts, got := r.snapshot()
		if len(attempts) != 3 || len(got) != 1 {
			t.Fatalf("%d attempts, %d delivered; want 3 and 1", len(attempts), len(got))
		}
		if st := d.Status()[0]; !st.OK || st.LastError != "" || st.Pending != 0 {
			t.Errorf("status = %+v, want OK", st)
		}
	})
}

func TestBackoffDelays(t *testing.T) {
	p := retryPolicy{tries: 10, first: 5 * time.Second, most: 5 * time.Minute}
	want := []time.Duration{5 * time.Second, 10 * time.Second, 20 * time.Second, 40 * time.Second, 80 * time.Second, 160 * time.Second, 5 * time.Minute, 5 * time.Minute, 5 * time.Minute}
	for i, w := range want {
		if got := p.delay(i + 1); got != w {
			t.Errorf("delay(%d) = %s, want %s", i+1, got, w)
		}
	}
	for range 1000 {
		if got := jitter20(time.Minute); got < 48*time.Second || got > 72*time.Second {
			t.Fatalf("jitter20(1m) = %s, want 48s–72s", got)
		}
	}
}

func TestSendNeverBlocksAndDropsOldest(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		log, logs := testLogger(t)
		release := make(chan struct{})
		var mu sync.Mutex
		var got []string
		d := newDispatcher(log)
		d.add(monitor.ChannelConfig{URL: "ntfy://ntfy.sh/acme"}, "ntfy", senderFunc(func(ctx context.Context, m message) error {
			<-release
			mu.Lock()
			got = append(got, m.Title)
			mu.Unlock()
			return nil
		}))
		stop := start(t, d)
		defer stop()

		const extra = 3
		for i := range queueSize + 1 + extra {
			n := outage
			n.Title = fmt.Sprint(i)
			d.Send(n) // returns although the channel is stuck
			synctest.Wait()
		}
		st := d.Status()[0]
		if st.Pending != queueSize+1 || st.Dropped != extra {
			t.Errorf("Pending %d, Dropped %d; want %d and %d", st.Pending, st.Dropped, queueSize+1, extra)
		}
		if n := strings.Count(logs.String(), "queue full"); n != extra {
			t.Errorf("log has %d queue-full lines, want %d", n, extra)
		}
		close(release)
		synctest.Wait()
		mu.Lock()
		defer mu.Unlock()
		// "0" was in flight; 1–3 were the oldest queued when the queue overflowed.
		want := []string{"0"}
		for i := 1 + extra; i < queueSize+1+extra; i++ {
			want = append(want, fmt.Sprint(i))
		}
		if !slices.Equal(got, want) {
			t.Errorf("delivered %v, want %v", got, want)
		}
	})
}

func TestFilter(t *testing.T) {
	d := newDispatcher(slog.New(slog.DiscardHandler))
	nop := senderFunc(func(context.Context, message) error { return nil })
	all := d.add(monitor.ChannelConfig{URL: "x://all"}, "x", nop)
	outages := d.add(monitor.ChannelConfig{URL: "x://outages", MinSeverity: state(monitor.StatePartialOutage)}, "x", nop)
	maint := d.add(monitor.ChannelConfig{URL: "x://maint", MinSeverity: state(monitor.StateMaintenance)}, "x", nop)
	acme := d.add(monitor.ChannelConfig{URL: "x://acme", Services: []string{"ACME-pay", "Stripe Payments"}}, "x", nop)
	tests := []struct {
		name string
		n    monitor.Notification
		want []*channel
	}{
		{"degraded", monitor.Notification{ServiceID: "adyen", Severity: monitor.StateDegraded}, []*channel{all, maint}},
		{"major outage", monitor.Notification{ServiceID: "adyen", Severity: monitor.StateMajorOutage}, []*channel{all, outages, maint}},
		{"recovery from a partial outage", monitor.Notification{ServiceID: "adyen", State: monitor.StateOperational, Severity: monitor.StatePartialOutage}, []*channel{all, outages, maint}},
		{"maintenance", monitor.Notification{ServiceID: "adyen", Severity: monitor.StateMaintenance}, []*channel{maint}},
		{"no severity is never sent", monitor.Notification{ServiceID: "adyen"}, nil},
		{"listed service, other case", monitor.Notification{ServiceID: "acme-pay", Severity: monitor.StateDegraded}, []*channel{all, maint, acme}},
		{"listed by name", monitor.Notification{ServiceID: "stripe-payments", Severity: monitor.StateDegraded}, []*channel{all, maint, acme}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []*channel
			for _, ch := range d.chans {
				if ch.sink.Wants(tt.n) {
					got = append(got, ch)
				}
			}
			names := func(cs []*channel) (s []string) {
				for _, c := range cs {
					s = append(s, c.url)
				}
				return s
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("sent to %v, want %v", names(got), names(tt.want))
			}
		})
	}
}

func TestTestReportsEachChannel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		log, _ := testLogger(t)
		d := newDispatcher(log)
		ok := &recorder{}
		d.add(monitor.ChannelConfig{Name: "Slack", URL: "slack://hook:" + slackHookToken + "@webhook"}, "slack", ok)
		d.add(monitor.ChannelConfig{URL: "generic+https://hooks.example.com/in?token=" + webhookToken}, "generic",
			&recorder{url: "generic+https://hooks.example.com/in?token=" + webhookToken, fail: -1})
		d.add(monitor.ChannelConfig{URL: "ntfy://ntfy.sh/hangs"}, "ntfy", senderFunc(func(ctx context.Context, m message) error {
			<-ctx.Done() // a server that never answers
			return fmt.Errorf("no answer in time: %w", ctx.Err())
		}))
		t0 := time.Now()
		res := d.Test(t.Context())
		if took := time.Since(t0); took != testTimeout {
			t.Errorf("Test took %s, want the test timeout %s", took, testTimeout)
		}
		want := []TestResult{
			{Name: "Slack", URL: "slack://webhook", Service: "slack", OK: true},
			{Name: "generic+https://hooks.example.com", URL: "generic+https://hooks.example.com", Service: "generic",
				Error: "the service had a problem (HTTP 500 Internal Server Error)"},
			{Name: "ntfy://ntfy.sh", URL: "ntfy://ntfy.sh", Service: "ntfy", Error: "no answer in time"},
		}
		if !slices.Equal(res, want) {
			t.Errorf("Test() =\n%+v\nwant\n%+v", res, want)
		}
		if _, got := ok.snapshot(); len(got) != 1 || got[0] != (message{Title: TestTitle, Body: TestBody}) {
			t.Errorf("test message = %+v", got)
		}
	})
}

// hungService is a notification library call that does not return until released, and
// ignores every deadline: shoutrrr's Send takes no context.
type hungService struct {
	types.Service
	release chan struct{}
}

func (h hungService) Send(string, *types.Params) error {
	<-h.release
	return errors.New("released")
}

func TestRunDoesNotWaitForeverForTheLibrary(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		log, logs := testLogger(t)
		d := newDispatcher(log)
		h := hungService{release: make(chan struct{})}
		defer close(h.release)
		d.add(monitor.ChannelConfig{URL: "generic+https://hooks.example.com/in"}, "generic", newShoutrrrSender(h, "generic", "", &d.calls))
		stop := start(t, d)
		d.Send(outage)
		synctest.Wait()
		t0 := time.Now()
		stop()
		if took := time.Since(t0); took != shutdownGrace {
			t.Errorf("Run took %s to return, want the grace of %s", took, shutdownGrace)
		}
		if !strings.Contains(logs.String(), "still in progress at shutdown") {
			t.Errorf("log does not mention the delivery left behind")
		}
	})
}

func TestAttemptTimeoutSerializesCalls(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		log, _ := testLogger(t)
		d := newDispatcher(log)
		h := hungService{release: make(chan struct{})}
		defer close(h.release)
		var calls sync.WaitGroup
		s := newShoutrrrSender(h, "generic", "", &calls)
		d.add(monitor.ChannelConfig{URL: "generic+https://hooks.example.com/in"}, "generic", s)
		stop := start(t, d)
		defer stop()
		d.Send(outage)
		time.Sleep(10 * time.Minute)
		synctest.Wait()
		st := d.Status()[0]
		// Every attempt after the first waited for the hung call, so none piled up.
		if st.OK || st.LastError != "no answer in time" {
			t.Errorf("status = %+v, want failed with no answer in time", st)
		}
		if len(s.busy) != 1 {
			t.Errorf("busy = %d, want the one hung call", len(s.busy))
		}
	})
}
