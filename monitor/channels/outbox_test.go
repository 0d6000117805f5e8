package channels

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/paywatch/paywatch/monitor"
)

// The outbox child: a Paywatch stand-in that runs a dispatcher with an outbox and, when asked,
// sends one notification, then waits to be killed. It is this test binary run again.
const (
	childEnv    = "PAYWATCH_OUTBOX_CHILD"
	childURL    = "PAYWATCH_OUTBOX_URL"
	childPath   = "PAYWATCH_OUTBOX_PATH"
	childSendIt = "PAYWATCH_OUTBOX_SEND"
)

// killedOutage is the notification the child sends; its time is fixed, as the alert policy's
// is for one change, so its key is the same in every run.
var killedOutage = monitor.Notification{ServiceID: "acme-pay", Title: "Acme Pay: Major outage",
	Body: "Card payments failing.", State: monitor.StateMajorOutage, Severity: monitor.StateMajorOutage,
	At: time.Date(2026, 12, 3, 14, 0, 0, 0, time.UTC)}

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "1" {
		outboxChild()
		return
	}
	os.Exit(m.Run())
}

func outboxChild() {
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	d, err := New([]monitor.ChannelConfig{{Name: "Ops", URL: os.Getenv(childURL)}}, log)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	if err := d.UseOutbox(os.Getenv(childPath)); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	if os.Getenv(childSendIt) == "1" {
		d.Send(killedOutage)
	}
	d.Run(ctx)
}

// flakyHook answers 503 until healthy is set, and counts the messages it accepted, by key.
type flakyHook struct {
	*httptest.Server
	mu       sync.Mutex
	healthy  bool
	attempts int
	accepted map[string]int
	keys     []string
}

func newFlakyHook(t *testing.T) *flakyHook {
	h := &flakyHook{accepted: map[string]int{}}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		key := r.Header.Get(IdempotencyHeader)
		h.mu.Lock()
		defer h.mu.Unlock()
		h.attempts++
		h.keys = append(h.keys, key)
		if !h.healthy {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		h.accepted[key]++
	}))
	t.Cleanup(h.Close)
	return h
}

func (h *flakyHook) snapshot() (attempts int, accepted map[string]int, keys []string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	acc := map[string]int{}
	for k, v := range h.accepted {
		acc[k] = v
	}
	return h.attempts, acc, append([]string(nil), h.keys...)
}

func (h *flakyHook) setHealthy() {
	h.mu.Lock()
	h.healthy = true
	h.mu.Unlock()
}

func startChild(t *testing.T, hookURL, path string, send bool) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"=1", childURL+"=generic+"+hookURL+"/hook", childPath+"="+path)
	if send {
		cmd.Env = append(cmd.Env, childSendIt+"=1")
	}
	var logs strings.Builder
	cmd.Stderr = &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			t.Logf("child log:\n%s", logs.String())
		}
	})
	return cmd
}

// waitFor polls cond until it holds (a real subprocess runs on real time).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func pendingInFile(t *testing.T, path string) int {
	b, err := os.ReadFile(path)
	if err != nil {
		return -1
	}
	var f outboxFile
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatalf("outbox file is not valid JSON: %v\n%s", err, b)
	}
	n := 0
	for _, items := range f.Pending {
		n += len(items)
	}
	return n
}

// TestOutboxSurvivesKill is the scenario: the webhook answers 503, an outage is sent,
// Paywatch is killed with SIGKILL while retrying, the webhook recovers, Paywatch restarts (and
// is told of the same change again, as if its alert state had not been saved): the message is
// delivered exactly once, with the same idempotency key on every attempt.
func TestOutboxSurvivesKill(t *testing.T) {
	if testing.Short() {
		t.Skip("runs subprocesses")
	}
	hook := newFlakyHook(t)
	path := filepath.Join(t.TempDir(), "outbox.json")

	first := startChild(t, hook.URL, path, true)
	waitFor(t, "a failed attempt", func() bool { n, _, _ := hook.snapshot(); return n >= 1 })
	if n := pendingInFile(t, path); n != 1 {
		t.Fatalf("outbox holds %d messages while retrying, want 1", n)
	}
	if err := first.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	first.Wait()

	hook.setHealthy()
	startChild(t, hook.URL, path, true) // the same change told again: never twice
	waitFor(t, "the delivery", func() bool { _, acc, _ := hook.snapshot(); return len(acc) > 0 })
	waitFor(t, "the outbox to empty", func() bool { return pendingInFile(t, path) == 0 })

	attempts, accepted, keys := hook.snapshot()
	if len(accepted) != 1 {
		t.Fatalf("webhook accepted %v, want exactly one message", accepted)
	}
	for k, n := range accepted {
		if n != 1 || k == "" {
			t.Errorf("webhook accepted key %q %d times, want once with a key", k, n)
		}
	}
	for _, k := range keys {
		if k != keys[0] {
			t.Errorf("idempotency keys differ across attempts: %q", keys)
			break
		}
	}
	t.Logf("%d attempts (503 before the kill, then one after the restart), 1 delivered", attempts)
}

// TestOutboxSurvivesSIGTERM: a clean stop while retrying keeps the message too.
func TestOutboxSurvivesSIGTERM(t *testing.T) {
	if testing.Short() || runtime.GOOS == "windows" {
		t.Skip("runs subprocesses and signals them")
	}
	hook := newFlakyHook(t)
	path := filepath.Join(t.TempDir(), "outbox.json")
	first := startChild(t, hook.URL, path, true)
	waitFor(t, "a failed attempt", func() bool { n, _, _ := hook.snapshot(); return n >= 1 })
	first.Process.Signal(syscall.SIGTERM)
	if err := first.Wait(); err != nil {
		t.Fatalf("child on SIGTERM: %v", err)
	}
	hook.setHealthy()
	startChild(t, hook.URL, path, false)
	waitFor(t, "the outbox to empty", func() bool { return pendingInFile(t, path) == 0 })
	if _, accepted, _ := hook.snapshot(); len(accepted) != 1 {
		t.Fatalf("webhook accepted %v, want exactly one message", accepted)
	}
}

// TestOutboxExpires: a message that cannot be delivered is tried until the expiry bound (the
// channel shows as failing after the usual retries), then dropped with a log line, and the
// file is emptied; a message already past the bound when read from the file is dropped too.
func TestOutboxExpires(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		log, logs := testLogger(t)
		path := filepath.Join(t.TempDir(), "outbox.json")
		r := &recorder{url: "generic+https://hooks.example.com/x", fail: -1}
		d := newDispatcher(log)
		d.add(monitor.ChannelConfig{URL: r.url}, "generic", r)
		if err := d.UseOutbox(path); err != nil {
			t.Fatal(err)
		}
		stop := start(t, d)
		defer stop()
		d.Send(outage)
		synctest.Wait()
		if n := pendingInFile(t, path); n != 1 {
			t.Fatalf("outbox holds %d, want 1", n)
		}
		time.Sleep(time.Hour)
		synctest.Wait()
		if st := d.Status()[0]; st.OK || st.Pending != 1 {
			t.Errorf("after an hour: OK %v Pending %d, want failing and still pending", st.OK, st.Pending)
		}
		time.Sleep(DefaultExpiry)
		synctest.Wait()
		attempts, _ := r.snapshot()
		if st := d.Status()[0]; st.Pending != 0 {
			t.Errorf("after the expiry: Pending %d, want 0", st.Pending)
		}
		if n := pendingInFile(t, path); n != 0 {
			t.Errorf("outbox holds %d after the expiry, want 0", n)
		}
		if !strings.Contains(logs.String(), "channel message expired undelivered") {
			t.Errorf("no log line for the expiry")
		}
		// Every retry after the first burst is at most 5 minutes apart: about 290 in a day.
		if len(attempts) < 250 || len(attempts) > 300 {
			t.Errorf("%d attempts in a day, want about 290 (one every 5 minutes)", len(attempts))
		}
	})
}

func TestOutboxExpiresOnLoad(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		log, logs := testLogger(t)
		path := filepath.Join(t.TempDir(), "outbox.json")
		const url = "generic+https://hooks.example.com/x"
		old := item{Key: "k1", Notification: outage, Queued: time.Now().Add(-25 * time.Hour)}
		fresh := item{Key: "k2", Notification: outage, Queued: time.Now().Add(-time.Hour)}
		b, _ := json.Marshal(outboxFile{Version: outboxVersion, Pending: map[string][]item{channelKey(url): {old, fresh}}})
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
		r := &recorder{url: url}
		d := newDispatcher(log)
		d.add(monitor.ChannelConfig{URL: url}, "generic", r)
		if err := d.UseOutbox(path); err != nil {
			t.Fatal(err)
		}
		stop := start(t, d)
		defer stop()
		synctest.Wait()
		if _, got := r.snapshot(); len(got) != 1 || got[0].Key != "k2" {
			t.Errorf("delivered %+v, want only the fresh message", got)
		}
		if !strings.Contains(logs.String(), "channel message expired undelivered") {
			t.Errorf("no log line for the expired message")
		}
	})
}

// TestOutboxOnceForOneChange: the same change sent twice (a restart that did not save its alert
// state) is delivered once; another change to the same service is delivered too.
func TestOutboxOnceForOneChange(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		log, _ := testLogger(t)
		path := filepath.Join(t.TempDir(), "outbox.json")
		r := &recorder{url: "generic+https://hooks.example.com/x"}
		d := newDispatcher(log)
		d.add(monitor.ChannelConfig{URL: r.url}, "generic", r)
		d.UseOutbox(path)
		stop := start(t, d)
		d.Send(killedOutage)
		d.Send(killedOutage)
		synctest.Wait()
		stop()

		d2 := newDispatcher(log)
		d2.add(monitor.ChannelConfig{URL: r.url}, "generic", r)
		d2.UseOutbox(path)
		stop2 := start(t, d2)
		defer stop2()
		d2.Send(killedOutage)
		later := killedOutage
		later.At = later.At.Add(time.Minute)
		d2.Send(later)
		synctest.Wait()
		if _, got := r.snapshot(); len(got) != 2 || got[0].Key == got[1].Key {
			t.Errorf("delivered %d messages, want 2 (one per change): %+v", len(got), got)
		}
	})
}

// TestOutboxMessagesWithoutATime: notifications without a time of their own are never taken
// for one another, in one run or across a restart.
func TestOutboxMessagesWithoutATime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		log, _ := testLogger(t)
		path := filepath.Join(t.TempDir(), "outbox.json")
		r := &recorder{url: "generic+https://hooks.example.com/x"}
		for run := range 2 {
			d := newDispatcher(log)
			d.add(monitor.ChannelConfig{URL: r.url}, "generic", r)
			d.UseOutbox(path)
			stop := start(t, d)
			d.Send(outage) // no At
			d.Send(outage)
			synctest.Wait()
			stop()
			if _, got := r.snapshot(); len(got) != 2*(run+1) {
				t.Fatalf("run %d: %d delivered, want %d", run+1, len(got), 2*(run+1))
			}
			time.Sleep(time.Second)
		}
	})
}
