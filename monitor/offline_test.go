package monitor_test

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/paywatch/paywatch/monitor"
	"github.com/paywatch/paywatch/monitor/demo"
	"github.com/paywatch/paywatch/monitor/statuspage"
)

// Canaries and status pages here are handlers the test controls. TestWatcherOffline and
// TestWatcherWakesOffline run in a synctest bubble with the handlers answering in memory
// (memNet); TestWatcherCannotResolve and TestWatcherCanariesBlocked use real HTTP on 127.0.0.1
// and real time. Nothing waits longer than it takes the watcher to answer (the deadline only
// bounds a failure). Loopback status pages never prove the machine online, so the canaries
// alone decide.

const offlineDeadline = 10 * time.Second

const signInPage = `<!doctype html><html><head><title>Sign in to Hotel Wi-Fi</title></head>
<body><form action="/login" method="post"><input name="room"><button>Connect</button></form></body></html>`

// Ways a canary answers.
const (
	canaryOK     = iota // 204, the internet works
	canaryDown          // 500
	canaryPortal        // 200 with a sign-in page
	canaryHold          // waits for the test (or, after 3 s, answers 500)
)

// canaryServer is a connectivity canary the test controls. In canaryHold mode a request waits
// until the mode changes or answerOnce gives it an answer, so that no connectivity result
// arrives unless the test asks for one.
type canaryServer struct {
	url      string
	answered atomic.Int64 // answers given, counted before each is written
	once     chan int     // one answer for one waiting request

	mu   sync.Mutex
	mode int
	wake chan struct{}
}

func newCanaryServer(t *testing.T) *canaryServer {
	t.Helper()
	c := &canaryServer{once: make(chan int), wake: make(chan struct{})}
	srv := httptest.NewServer(c)
	c.url = srv.URL
	t.Cleanup(func() {
		c.set(canaryOK)
		srv.Close()
	})
	return c
}

// canaryHost is where a canary answers in memory (memNet).
const canaryHost = "canary.test"

// newMemCanary is a canary answering in memory at canaryHost, for a synctest bubble.
func newMemCanary(t *testing.T) *canaryServer {
	t.Helper()
	c := &canaryServer{url: "http://" + canaryHost, once: make(chan int), wake: make(chan struct{})}
	t.Cleanup(func() { c.set(canaryOK) })
	return c
}

func (c *canaryServer) canary() monitor.Canary {
	return monitor.Canary{URL: c.url + "/generate_204"}
}

func (c *canaryServer) set(mode int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.mode = mode
	close(c.wake)
	c.wake = make(chan struct{})
}

func (c *canaryServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	for {
		c.mu.Lock()
		mode, wake := c.mode, c.wake
		c.mu.Unlock()
		if mode != canaryHold {
			c.answer(w, mode)
			return
		}
		select {
		case <-wake:
		case m := <-c.once:
			c.answer(w, m)
			return
		case <-time.After(3 * time.Second):
			c.answer(w, canaryDown)
			return
		case <-r.Context().Done():
			return
		}
	}
}

func (c *canaryServer) answer(w http.ResponseWriter, mode int) {
	c.answered.Add(1)
	switch mode {
	case canaryOK:
		w.WriteHeader(http.StatusNoContent)
	case canaryPortal:
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte(signInPage))
	default:
		w.WriteHeader(http.StatusInternalServerError)
	}
}

// answerOnce answers one waiting connectivity check; the canary stays on hold.
func (c *canaryServer) answerOnce(t *testing.T, mode int) {
	t.Helper()
	select {
	case c.once <- mode:
	case <-time.After(offlineDeadline):
		t.Fatal("no connectivity check was waiting")
	}
}

// countingPages serves demo pages on 127.0.0.1 and reports each status request on served.
func countingPages(t *testing.T, pages ...*demo.Page) (url string, served chan struct{}) {
	t.Helper()
	h, served := countingHandler(pages...)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL, served
}

// countingHandler serves demo pages and reports each status request on served.
func countingHandler(pages ...*demo.Page) (h http.Handler, served chan struct{}) {
	served = make(chan struct{}, 10000)
	d := demo.NewServer(nil, pages...)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d.ServeHTTP(w, r)
		if strings.HasSuffix(r.URL.Path, "/summary.json") {
			served <- struct{}{}
		}
	}), served
}

// memPages serves demo pages in memory at 127.0.0.1 (a loopback page, which never proves the
// machine online), with a canary, for a synctest bubble; it returns the pages' base URL, the
// fetcher, the canary and the served channel of countingHandler.
func memPages(t *testing.T, pages ...*demo.Page) (base string, f *monitor.Fetcher, cn *canaryServer, served chan struct{}) {
	t.Helper()
	h, served := countingHandler(pages...)
	cn = newMemCanary(t)
	return "http://127.0.0.1", memFetcher(memNet{"127.0.0.1": h, canaryHost: cn}), cn, served
}

func offlineFetcher(t *testing.T) *monitor.Fetcher {
	t.Helper()
	// Names are resolved without any network: a lookup that is not in the hosts file fails as
	// a DNS failure would, and never leaves this machine.
	resolver := &net.Resolver{PreferGo: true, Dial: func(context.Context, string, string) (net.Conn, error) {
		return nil, errors.New("no DNS server in tests")
	}}
	tr := &http.Transport{DialContext: (&net.Dialer{Timeout: 5 * time.Second, Resolver: resolver}).DialContext}
	t.Cleanup(tr.CloseIdleConnections)
	return monitor.NewFetcher(monitor.FetcherOptions{Transport: tr, Timeout: 5 * time.Second, UserAgent: "Paywatch offline test"})
}

func pageSpec(base string, p *demo.Page, f *monitor.Fetcher) monitor.ServiceSpec {
	id := monitor.Slug(p.Name)
	url := base + "/" + p.ID
	return monitor.ServiceSpec{ID: id, Name: p.Name, URL: url, Targets: []monitor.Target{{
		ServiceID: id, SourceID: "page", Kind: monitor.KindPage, Platform: "statuspage", URL: url,
		Interval: time.Hour, // rounds come only from CheckNow
		Checker:  statuspage.New(url, f),
	}}}
}

// runWatcher runs w until the test ends and returns its updates.
func runWatcher(t *testing.T, w *monitor.Watcher) *updateReader {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	updates := make(chan monitor.Update)
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx, updates) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if !errors.Is(err, context.Canceled) {
				t.Errorf("Run = %v, want context.Canceled", err)
			}
		case <-time.After(offlineDeadline):
			t.Error("Run did not return after cancel")
		}
	})
	return &updateReader{t: t, updates: updates}
}

// updateReader reads a watcher's updates and keeps every notification.
type updateReader struct {
	t       *testing.T
	updates <-chan monitor.Update
	read    int
	notes   []monitor.Notification
}

func (r *updateReader) next(what string) monitor.Update {
	r.t.Helper()
	select {
	case u := <-r.updates:
		r.read++
		r.notes = append(r.notes, u.Notifications...)
		return u
	case <-time.After(offlineDeadline):
		r.t.Fatalf("no update within %v while waiting for %s", offlineDeadline, what)
	}
	return monitor.Update{}
}

func (r *updateReader) until(what string, cond func(monitor.Update) bool) monitor.Update {
	r.t.Helper()
	for {
		if u := r.next(what); cond(u) {
			return u
		}
	}
}

// take returns the notifications seen since the last take.
func (r *updateReader) take() []string {
	var titles []string
	for _, n := range r.notes {
		titles = append(titles, n.Title)
	}
	r.notes = nil
	return titles
}

func serviceIn(s monitor.Snapshot, id string) monitor.ServiceStatus {
	for _, sv := range s.Services {
		if sv.ID == id {
			return sv
		}
	}
	return monitor.ServiceStatus{}
}

// TestWatcherOffline: while every canary fails, nothing the status pages say is believed: 100
// flips of a provider's state notify nothing, and the last known state stays, marked stale. When
// the canaries come back, the real state is shown, and only a real change (against what the user
// was last told) notifies, once.
func TestWatcherOffline(t *testing.T) {
	synctest.Test(t, testWatcherOffline)
}

func testWatcherOffline(t *testing.T) {
	bank := demo.NewPage("northwind000", "Northwind Bank", "Online banking")
	base, f, cn, served := memPages(t, bank)
	w := monitor.NewWatcher([]monitor.ServiceSpec{pageSpec(base, bank, f)}, monitor.WatcherOptions{
		Engine:       monitor.EngineOptions{Stagger: time.Millisecond},
		Connectivity: monitor.NewConnectivity([]monitor.Canary{cn.canary()}, f),
		NetInterval:  20 * time.Millisecond,
	})
	r := runWatcher(t, w)
	const id = "northwind-bank"
	realState := func(want monitor.State) func(monitor.Update) bool {
		return func(u monitor.Update) bool {
			sv := serviceIn(u.Snapshot, id)
			return !u.Snapshot.Offline && sv.State == want && !sv.Stale
		}
	}
	r.until("Northwind Bank operational and online", realState(operational))
	<-served // the first round
	if got := r.take(); len(got) != 0 {
		t.Fatalf("start-up notified %q, want nothing", got)
	}

	// goOffline makes the canaries fail and flips the page 100 times; the last flip leaves it in
	// final. Every check is waited for: the page server sees the request, and the watcher sends
	// the update it makes (no connectivity result arrives meanwhile, as the canary holds them).
	goOffline := func(t *testing.T, how int, wantReason string, final string) {
		t.Helper()
		cn.set(canaryHold)
		cn.answerOnce(t, how)
		u := r.until("the watcher to go offline", func(u monitor.Update) bool { return u.Snapshot.Offline })
		if !strings.Contains(u.Snapshot.OfflineReason, wantReason) {
			t.Errorf("offline reason = %q, want it to say %q", u.Snapshot.OfflineReason, wantReason)
		}
		before := serviceIn(u.Snapshot, id)
		if !before.Stale {
			t.Errorf("offline: %s is not marked stale", id)
		}
		netAnswers, read := cn.answered.Load(), r.read
		for k := 1; k <= 100; k++ {
			st := demo.Operational
			if k%2 == 1 {
				st = demo.Major
			}
			if k == 100 {
				st = final
			}
			bank.Set("Online banking", st)
			w.CheckNow()
			select {
			case <-served:
			case <-time.After(offlineDeadline):
				t.Fatalf("flip %d: the page was not checked", k)
			}
			// One update per check, and one per connectivity result (only if a held check gave
			// up waiting).
			for r.read-read < k+int(cn.answered.Load()-netAnswers) {
				u := r.next("the update for a check made offline")
				if sv := serviceIn(u.Snapshot, id); !u.Snapshot.Offline || sv.State != before.State || !sv.Stale {
					t.Fatalf("flip %d: offline %v, %s %v (stale %v); want offline, still %v, stale", k, u.Snapshot.Offline, id, sv.State, sv.Stale, before.State)
				}
			}
		}
		if got := r.take(); len(got) != 0 {
			t.Errorf("100 flips while offline notified %q, want nothing", got)
		}
	}

	// The steps build on each other, in one bubble (where subtests cannot run).

	// A real change while offline notifies once when back.
	goOffline(t, canaryDown, "You appear to be offline", demo.Major)
	cn.set(canaryOK)
	r.until("the real state, online", realState(major))
	r.until("the notification", func(u monitor.Update) bool { return len(u.Notifications) > 0 })
	if got, want := r.take(), []string{"Northwind Bank: Major outage"}; !slices.Equal(got, want) {
		t.Errorf("back online: notified %q, want %q", got, want)
	}

	// No change against what was told: nothing when back.
	goOffline(t, canaryPortal, "sign-in page", demo.Major)
	cn.set(canaryOK)
	r.until("the real state, online", realState(major))
	// Then a real change, so that anything said in between would be seen.
	bank.Set("Online banking", demo.Operational)
	w.CheckNow()
	r.until("the recovery", realState(operational))
	r.until("the notification", func(u monitor.Update) bool { return len(u.Notifications) > 0 })
	if got, want := r.take(), []string{"Northwind Bank is back to normal"}; !slices.Equal(got, want) {
		t.Errorf("back online, then recovered: notified %q, want %q", got, want)
	}
}

// TestWatcherCannotResolve: one provider's name does not resolve while the canaries work: that
// provider says so, in words, and the machine is not called offline.
func TestWatcherCannotResolve(t *testing.T) {
	acme := demo.NewPage("acmepay0demo", "Acme Pay", "Card payments")
	base, _ := countingPages(t, acme)
	cn := newCanaryServer(t)
	f := offlineFetcher(t)
	// .invalid never resolves (RFC 2606), and offlineFetcher never asks a DNS server anyway.
	ghost := pageSpec("http://paywatch-test.invalid", &demo.Page{ID: "status", Name: "Ghost Pay"}, f)
	w := monitor.NewWatcher([]monitor.ServiceSpec{pageSpec(base, acme, f), ghost}, monitor.WatcherOptions{
		Engine:       monitor.EngineOptions{Stagger: time.Millisecond},
		Connectivity: monitor.NewConnectivity([]monitor.Canary{cn.canary()}, f),
		NetInterval:  20 * time.Millisecond,
	})
	r := runWatcher(t, w)
	const want = "cannot resolve paywatch-test.invalid from your network"
	u := r.until("Ghost Pay's reason", func(u monitor.Update) bool {
		return serviceIn(u.Snapshot, "ghost-pay").Reason == want && serviceIn(u.Snapshot, "acme-pay").State == operational
	})
	if u.Snapshot.Offline {
		t.Errorf("snapshot offline (%s), want online: the canaries work", u.Snapshot.OfflineReason)
	}
	if got := serviceIn(u.Snapshot, "ghost-pay").State; got != unknown {
		t.Errorf("Ghost Pay is %v, want unknown: a name that does not resolve says nothing about the provider", got)
	}
	if got := r.take(); len(got) != 0 {
		t.Errorf("notified %q, want nothing", got)
	}
}

func TestConnectivityCheck(t *testing.T) {
	serve := func(h http.HandlerFunc) string {
		srv := httptest.NewServer(h)
		t.Cleanup(srv.Close)
		return srv.URL
	}
	ok204 := serve(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	okText := serve(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("success\n")) })
	portal := serve(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(signInPage)) })
	redirect := serve(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/login" {
			w.Write([]byte(signInPage))
			return
		}
		http.Redirect(w, r, "/login", http.StatusFound)
	})
	err500 := serve(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusInternalServerError) })
	forbidden := serve(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusForbidden) })
	drop := serve(func(w http.ResponseWriter, r *http.Request) {
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
	})
	closedSrv := httptest.NewServer(http.NotFoundHandler())
	closed := closedSrv.URL
	closedSrv.Close()

	c204 := func(base string) monitor.Canary { return monitor.Canary{URL: base + "/generate_204"} }
	cText := func(base string) monitor.Canary { return monitor.Canary{URL: base + "/success.txt", Body: "success"} }
	const offline, portalWords = "You appear to be offline", "sign-in page"
	tests := []struct {
		name       string
		canaries   []monitor.Canary
		online     bool
		portal     bool
		wantReason string
	}{
		{name: "every canary answers", canaries: []monitor.Canary{c204(ok204), cText(okText)}, online: true},
		{name: "one good answer is enough", canaries: []monitor.Canary{c204(closed), c204(err500), cText(okText)}, online: true},
		{name: "a sign-in page is a captive portal", canaries: []monitor.Canary{c204(portal), cText(portal)}, portal: true, wantReason: portalWords},
		{name: "a redirect to a sign-in page is a captive portal", canaries: []monitor.Canary{c204(redirect)}, portal: true, wantReason: portalWords},
		{name: "a sign-in page and a dead canary", canaries: []monitor.Canary{c204(closed), c204(portal)}, portal: true, wantReason: portalWords},
		{name: "server errors are offline, not a sign-in page", canaries: []monitor.Canary{c204(err500), cText(forbidden)}, wantReason: offline},
		{name: "dropped connections are offline", canaries: []monitor.Canary{c204(drop), cText(drop)}, wantReason: offline},
		{name: "nobody there is offline", canaries: []monitor.Canary{c204(closed), cText(closed)}, wantReason: offline},
	}
	f := offlineFetcher(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := monitor.NewConnectivity(tt.canaries, f).Check(context.Background())
			if got.Online != tt.online || got.CaptivePortal != tt.portal {
				t.Errorf("online %v, captive portal %v; want %v, %v", got.Online, got.CaptivePortal, tt.online, tt.portal)
			}
			if !strings.Contains(got.Reason, tt.wantReason) || (tt.wantReason == "") != (got.Reason == "") {
				t.Errorf("reason = %q, want it to say %q", got.Reason, tt.wantReason)
			}
			if got.At.IsZero() {
				t.Error("the check has no time")
			}
		})
	}
}

func TestCanaryPassed(t *testing.T) {
	plain := monitor.Canary{URL: "http://127.0.0.1/generate_204"}
	text := monitor.Canary{URL: "http://127.0.0.1/success.txt", Body: "success"}
	tests := []struct {
		name   string
		canary monitor.Canary
		code   int
		body   string
		want   bool
	}{
		{"204, empty", plain, 204, "", true},
		{"204, only whitespace", plain, 204, " \r\n", true},
		{"200, empty", plain, 200, "", false},
		{"204 with a body", plain, 204, "hello", false},
		{"sign-in page instead of 204", plain, 200, signInPage, false},
		{"the expected text", text, 200, "success\n", true},
		{"other text", text, 200, "Success!", false},
		{"sign-in page instead of the text", text, 200, signInPage, false},
		{"the text with an error status", text, 503, "success", false},
		{"204 where text is expected", text, 204, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := monitor.CanaryPassed(tt.canary, tt.code, []byte(tt.body)); got != tt.want {
				t.Errorf("CanaryPassed(%d, %q) = %v, want %v", tt.code, tt.body, got, tt.want)
			}
		})
	}
}

// TestWatcherWakesOffline: the laptop wakes from sleep with no network (a train, a hotel before
// its sign-in page). Nothing is said while offline, however the pages look and however often they
// are checked; once the canaries pass, one "While you were away" summary says what changed.
func TestWatcherWakesOffline(t *testing.T) {
	synctest.Test(t, testWatcherWakesOffline)
}

func testWatcherWakesOffline(t *testing.T) {
	bank := demo.NewPage("northwind000", "Northwind Bank", "Online banking")
	base, f, cn, _ := memPages(t, bank)
	var offset atomic.Int64
	logged := &syncBuffer{}
	w := monitor.NewWatcher([]monitor.ServiceSpec{pageSpec(base, bank, f)}, monitor.WatcherOptions{
		Engine:       monitor.EngineOptions{Stagger: time.Millisecond},
		Connectivity: monitor.NewConnectivity([]monitor.Canary{cn.canary()}, f),
		NetInterval:  20 * time.Millisecond,
		SleepTick:    100 * time.Millisecond,
		Wall:         func() time.Time { return time.Now().Round(0).Add(time.Duration(offset.Load())) },
		Logger:       slog.New(slog.NewTextHandler(logged, nil)),
	})
	r := runWatcher(t, w)
	const id = "northwind-bank"
	r.until("Northwind Bank operational and online", func(u monitor.Update) bool {
		sv := serviceIn(u.Snapshot, id)
		return !u.Snapshot.Offline && sv.State == operational && !sv.Stale
	})
	if got := r.take(); len(got) != 0 {
		t.Fatalf("start-up notified %q, want nothing", got)
	}

	// The network drops (the lid closes); asleep for three hours; the bank has an outage
	// meanwhile; the laptop wakes up, still without a network.
	cn.set(canaryDown)
	r.until("offline", func(u monitor.Update) bool { return u.Snapshot.Offline })
	bank.Set("Online banking", demo.Major)
	offset.Store(int64(3 * time.Hour))
	r.until("the watcher to notice the sleep", func(monitor.Update) bool { return strings.Contains(logged.String(), "woke up from sleep") })
	for range 5 {
		w.CheckNow()
		r.next("an update while offline")
	}
	if got := r.take(); len(got) != 0 {
		t.Fatalf("woken up offline: notified %q, want nothing", got)
	}

	// The network comes back: one summary, once the storm window has passed. Checks keep the
	// updates coming meanwhile.
	cn.set(canaryOK)
	deadline := time.After(30 * time.Second)
	for len(r.notes) == 0 {
		select {
		case u := <-r.updates:
			r.read++
			r.notes = append(r.notes, u.Notifications...)
		case <-time.After(time.Second):
			w.CheckNow()
		case <-deadline:
			t.Fatal("no notification within 30 s of coming back online")
		}
	}
	notes := r.notes
	if len(notes) != 1 || notes[0].Title != "While you were away (3 hours)" || !strings.Contains(notes[0].Body, "Northwind Bank: major outage.") {
		t.Fatalf("back online after waking: notified %+v, want one While you were away (3 hours) naming the outage", notes)
	}
}

// syncBuffer is a log destination tests can read while the watcher writes to it.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
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

// hostTransport sends every request to one local server, whatever host it names, as DNS would
// for a real status page's address.
type hostTransport struct{ target string }

func (h hostTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c := r.Clone(r.Context())
	c.URL.Host = h.target
	resp, err := http.DefaultTransport.RoundTrip(c)
	if resp != nil {
		resp.Request = r
	}
	return resp, err
}

// TestWatcherCanariesBlocked: where the connectivity canaries are blocked (an office firewall) but
// real status pages answer, the app does not call the machine offline, check after check; a
// captive portal still counts as offline.
func TestWatcherCanariesBlocked(t *testing.T) {
	bank := demo.NewPage("northwind000", "Northwind Bank", "Online banking")
	base, _ := countingPages(t, bank)
	pagesTr := hostTransport{target: strings.TrimPrefix(base, "http://")}
	pf := monitor.NewFetcher(monitor.FetcherOptions{Transport: pagesTr, Timeout: 5 * time.Second})
	cn := newCanaryServer(t)
	w := monitor.NewWatcher([]monitor.ServiceSpec{pageSpec("http://status.northwind.example", bank, pf)}, monitor.WatcherOptions{
		Engine:       monitor.EngineOptions{Stagger: time.Millisecond},
		Connectivity: monitor.NewConnectivity([]monitor.Canary{cn.canary()}, offlineFetcher(t)),
		NetInterval:  20 * time.Millisecond,
	})
	r := runWatcher(t, w)
	r.until("online with the page read", func(u monitor.Update) bool {
		return !u.Snapshot.Offline && serviceIn(u.Snapshot, "northwind-bank").State == operational
	})

	cn.set(canaryDown)
	before := cn.answered.Load()
	for cn.answered.Load() < before+10 {
		if u := r.next("updates while the canaries fail"); u.Snapshot.Offline {
			t.Fatalf("offline (%s) although the status page answered a moment ago", u.Snapshot.OfflineReason)
		}
	}

	cn.set(canaryPortal)
	u := r.until("offline behind a captive portal", func(u monitor.Update) bool { return u.Snapshot.Offline })
	if !strings.Contains(u.Snapshot.OfflineReason, "sign-in page") {
		t.Errorf("offline reason %q, want the captive portal named", u.Snapshot.OfflineReason)
	}
}
