package channels

// Network tests: real deliveries through shoutrrr to a webhook receiver (httptest) and an SMTP
// sink on 127.0.0.1. Time is real here; retries are shortened instead.

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paywatch/paywatch/monitor"
	"github.com/paywatch/paywatch/monitor/channels/smtpsink"
)

// webhook is a team-chat webhook receiver that keeps what it was sent.
type webhook struct {
	*httptest.Server
	mu   sync.Mutex
	got  []hookMessage
	seen chan struct{}
}

type hookMessage struct {
	Path, Token, ContentType string
	Fields                   map[string]string
}

func newWebhook(t *testing.T) *webhook {
	t.Helper()
	w := &webhook{seen: make(chan struct{}, 100)}
	w.Server = httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		m := hookMessage{Path: r.URL.Path, Token: r.URL.Query().Get("token"), ContentType: r.Header.Get("Content-Type")}
		if err := json.Unmarshal(b, &m.Fields); err != nil {
			t.Errorf("webhook body %q is not a JSON object: %v", b, err)
		}
		w.mu.Lock()
		w.got = append(w.got, m)
		w.mu.Unlock()
		w.seen <- struct{}{}
	}))
	t.Cleanup(w.Close)
	return w
}

// url is the channel address for a path on this receiver.
func (w *webhook) url(pathAndQuery string) string {
	return "generic+" + w.URL + pathAndQuery
}

func (w *webhook) messages() []hookMessage {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.got)
}

// await waits for n messages, then a moment more to catch any extra.
func (w *webhook) await(t *testing.T, n int) []hookMessage {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for range n {
		select {
		case <-w.seen:
		case <-timeout:
			t.Fatalf("webhook got %d messages, want %d", len(w.messages()), n)
		}
	}
	time.Sleep(200 * time.Millisecond)
	return w.messages()
}

// incident is a scripted incident as the alert policy sends it: the outage, a worse update,
// the recovery (which carries the problem's worst state as its severity).
var incident = []monitor.Notification{
	{ServiceID: "acme-pay", Title: "Acme Pay: Partial outage", Body: "Card payments failing in the EU — We are investigating.",
		State: monitor.StatePartialOutage, Severity: monitor.StatePartialOutage},
	{ServiceID: "acme-pay", Title: "Acme Pay: Major outage", Body: "Card payments failing — The fix is being rolled out.",
		State: monitor.StateMajorOutage, Severity: monitor.StateMajorOutage},
	{ServiceID: "acme-pay", Title: "Acme Pay is back to normal", Body: "Working normally again. The problem lasted 42 minutes.",
		State: monitor.StateOperational, Severity: monitor.StateMajorOutage},
}

func run(t *testing.T, d *Dispatcher) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() {
		d.Run(ctx)
		close(done)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	return func() {
		cancel()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatal("Run did not return after its context ended")
		}
	}
}

func TestWebhookGetsOneMessagePerNotification(t *testing.T) {
	hook := newWebhook(t)
	log, logs := testLogger(t)
	d, err := New([]monitor.ChannelConfig{
		{Name: "Everything", URL: hook.url("/all?token=" + webhookToken)},
		{URL: hook.url("/major"), MinSeverity: state(monitor.StateMajorOutage), Services: []string{"Acme-Pay"}},
		{URL: hook.url("/other"), Services: []string{"stripe"}},
	}, log)
	if err != nil {
		t.Fatal(err)
	}
	run(t, d)
	for _, n := range incident {
		d.Send(n)
	}
	got := hook.await(t, 5)

	var all, major []hookMessage
	for _, m := range got {
		switch m.Path {
		case "/all":
			all = append(all, m)
		case "/major":
			major = append(major, m)
		default:
			t.Errorf("message to %s, which wants none of these", m.Path)
		}
	}
	want := func(ns ...monitor.Notification) (out []map[string]string) {
		for _, n := range ns {
			out = append(out, map[string]string{"title": n.Title, "message": n.Body})
		}
		return out
	}
	fields := func(ms []hookMessage) (out []map[string]string) {
		for _, m := range ms {
			out = append(out, m.Fields)
		}
		return out
	}
	if !slices.EqualFunc(fields(all), want(incident...), mapsEqual) {
		t.Errorf("/all got %v, want %v", fields(all), want(incident...))
	}
	if !slices.EqualFunc(fields(major), want(incident[1], incident[2]), mapsEqual) {
		t.Errorf("/major got %v, want the major outage and its recovery", fields(major))
	}
	for _, m := range all {
		if m.Token != webhookToken || m.ContentType != "application/json" {
			t.Errorf("/all: token %q, content type %q; want the token forwarded and JSON", m.Token, m.ContentType)
		}
	}
	for _, st := range d.Status() {
		if !st.OK || st.Pending != 0 || st.Service != "generic" {
			t.Errorf("status %+v, want OK and nothing pending", st)
		}
	}
	if strings.Contains(logs.String(), webhookToken) {
		t.Errorf("the log shows the token:\n%s", logs.String())
	}
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func TestSMTPGetsOneMailPerNotification(t *testing.T) {
	sink := smtpsink.New(t)
	log, _ := testLogger(t)
	// The sink offers neither STARTTLS nor login: encryption=None and starttls=No say so.
	u := fmt.Sprintf("smtp://%s/?from=paywatch@example.com&to=ops@example.com&encryption=None&usestarttls=No", sink.Addr())
	d, err := New([]monitor.ChannelConfig{{Name: "Ops mail", URL: u}}, log)
	if err != nil {
		t.Fatal(err)
	}
	run(t, d)
	for _, n := range incident {
		d.Send(n)
	}
	got := sink.Await(t, len(incident))
	if len(got) != len(incident) {
		t.Fatalf("sink got %d mails, want %d", len(got), len(incident))
	}
	for i, m := range got {
		n := incident[i]
		if s := m.Msg.Header.Get("Subject"); s != n.Title {
			t.Errorf("mail %d: subject %q, want %q", i+1, s, n.Title)
		}
		if m.Body != n.Body {
			t.Errorf("mail %d: body %q, want %q", i+1, m.Body, n.Body)
		}
		if !strings.HasPrefix(m.From, "FROM:<paywatch@example.com>") || !slices.Equal(m.To, []string{"TO:<ops@example.com>"}) {
			t.Errorf("mail %d: envelope %q → %q", i+1, m.From, m.To)
		}
		if f := m.Msg.Header.Get("From"); f != "Paywatch <paywatch@example.com>" {
			t.Errorf("mail %d: From %q, want Paywatch <paywatch@example.com>", i+1, f)
		}
	}
	if st := d.Status()[0]; !st.OK || st.Service != "smtp" || st.Name != "Ops mail" {
		t.Errorf("status = %+v", st)
	}
}

func TestFailingChannelRetriesWithoutBlockingOthers(t *testing.T) {
	healthy := newWebhook(t)
	hold := make(chan struct{})
	var releaseOnce sync.Once
	release := func() { releaseOnce.Do(func() { close(hold) }) }
	var mu sync.Mutex
	var failedAt []time.Time
	failing := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		<-hold // the first attempt hangs until the healthy channel has its message
		mu.Lock()
		failedAt = append(failedAt, time.Now())
		mu.Unlock()
		http.Error(rw, "token "+r.URL.Query().Get("token")+" is broken", http.StatusInternalServerError)
	}))
	defer failing.Close()
	defer release() // before Close, should the test fail early

	// Errors for a port nobody listens on quote the address, token included.
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()

	log, logs := testLogger(t)
	failingURL := "generic+" + failing.URL + "/hook?token=" + webhookToken
	d, err := New([]monitor.ChannelConfig{
		{URL: failingURL},
		{Name: "Healthy", URL: healthy.url("/hook")},
		{Name: "Refused", URL: "generic+" + closed.URL + "/hook?token=" + webhookToken},
	}, log)
	if err != nil {
		t.Fatal(err)
	}
	d.retry = retryPolicy{tries: 3, first: 50 * time.Millisecond, most: time.Second}
	run(t, d)
	d.Send(incident[0])

	select {
	case <-healthy.seen:
	case <-time.After(5 * time.Second):
		t.Fatal("the healthy channel waited for the failing one")
	}
	release()

	deadline := time.Now().Add(10 * time.Second)
	for st := d.Status(); st[0].OK || st[0].Pending > 0 || st[2].OK || st[2].Pending > 0; st = d.Status() {
		if time.Now().After(deadline) {
			t.Fatalf("the failing channels are not marked failed: %+v", st)
		}
		time.Sleep(10 * time.Millisecond)
	}
	mu.Lock()
	if len(failedAt) != d.retry.tries {
		t.Errorf("failing server got %d attempts, want %d", len(failedAt), d.retry.tries)
	}
	for i := 1; i < len(failedAt); i++ {
		if gap, min := failedAt[i].Sub(failedAt[i-1]), 40*time.Millisecond<<(i-1); gap < min {
			t.Errorf("attempt %d came %s after the one before, want at least %s (backoff)", i+1, gap, min)
		}
	}
	mu.Unlock()

	st := d.Status()
	if st[0].LastError != "the service had a problem (HTTP 500 Internal Server Error)" || st[0].LastFailure.IsZero() {
		t.Errorf("failing channel status = %+v", st[0])
	}
	if st[0].Name != "generic+http://"+failing.Listener.Addr().String()+"" {
		t.Errorf("failing channel is named %q", st[0].Name)
	}
	if st[2].LastError != "nothing answered at that address (connection refused)" {
		t.Errorf("refused channel status = %+v", st[2])
	}
	if !st[1].OK || st[1].LastSent.IsZero() {
		t.Errorf("healthy channel status = %+v", st[1])
	}
	if len(healthy.messages()) != 1 {
		t.Errorf("healthy channel got %d messages, want 1", len(healthy.messages()))
	}
	for _, line := range strings.Split(logs.String(), "\n") {
		if strings.Contains(line, webhookToken) {
			t.Errorf("log line shows the token: %s", line)
		}
	}
	if strings.Contains(fmt.Sprint(st), webhookToken) {
		t.Errorf("status shows the token: %+v", st)
	}
	if !strings.Contains(logs.String(), "giving up") {
		t.Errorf("the log does not say it gave up")
	}
}

func TestTestMessageOverTheNetwork(t *testing.T) {
	hook := newWebhook(t)
	sink := smtpsink.New(t)
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close() // nothing listens there any more
	d, err := New([]monitor.ChannelConfig{
		{URL: hook.url("/hook")},
		{URL: fmt.Sprintf("smtp://%s/?from=paywatch@example.com&to=ops@example.com&encryption=None&usestarttls=No", sink.Addr())},
		{URL: "generic+" + closed.URL + "/hook?token=" + webhookToken},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	res := d.Test(t.Context())
	if !res[0].OK || !res[1].OK {
		t.Errorf("Test() = %+v, want the webhook and the mail delivered", res)
	}
	if res[2].OK || res[2].Error != "nothing answered at that address (connection refused)" {
		t.Errorf("Test() for a closed port = %+v", res[2])
	}
	if m := hook.await(t, 1); m[0].Fields["title"] != TestTitle || m[0].Fields["message"] != TestBody {
		t.Errorf("webhook got %v", m[0].Fields)
	}
	if m := sink.Await(t, 1); m[0].Msg.Header.Get("Subject") != TestTitle || m[0].Body != TestBody {
		t.Errorf("sink got %q / %q", m[0].Msg.Header.Get("Subject"), m[0].Body)
	}
}

func TestRunLeavesNoGoroutines(t *testing.T) {
	hook := newWebhook(t)
	sink := smtpsink.New(t)
	before := runtime.NumGoroutine()

	d, err := New([]monitor.ChannelConfig{
		{URL: hook.url("/hook")},
		{URL: fmt.Sprintf("smtp://%s/?from=paywatch@example.com&to=ops@example.com&encryption=None&usestarttls=No", sink.Addr())},
		{URL: "generic+http://127.0.0.1:1/unused", Services: []string{"nobody"}},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	stop := run(t, d)
	for _, n := range incident {
		d.Send(n)
	}
	hook.await(t, len(incident))
	sink.Await(t, len(incident))
	stop()

	// Keep-alive connections belong to net/http's shared transport, not to the Dispatcher.
	http.DefaultTransport.(*http.Transport).CloseIdleConnections()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("%d goroutines after Run returned, %d before:\n%s", runtime.NumGoroutine(), before, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(10 * time.Millisecond)
	}
}
