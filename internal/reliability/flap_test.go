package reliability

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paywatch/paywatch/internal/faultproxy"
	"github.com/paywatch/paywatch/monitor"
	"github.com/paywatch/paywatch/monitor/channels"
	"github.com/paywatch/paywatch/monitor/demo"
	"github.com/paywatch/paywatch/monitor/probe"
	"github.com/paywatch/paywatch/monitor/statuspage"
)

// dnsDown is the fault the proxy cannot play: no name resolves.
const dnsDown = faultproxy.Portal + 1

// origin serves every host the watcher checks, by name: a connectivity canary, two status pages
// and two websites (which answer 503 while the test has them down).
type origin struct {
	pages    http.Handler
	siteDown sync.Map // host → true
}

func (o *origin) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	host, _, _ := strings.Cut(r.Host, ":")
	switch {
	case host == "canary.test":
		w.WriteHeader(http.StatusNoContent)
	case strings.HasPrefix(host, "status."):
		o.pages.ServeHTTP(w, r)
	default:
		w.Header().Set("Content-Type", "text/html")
		if down, _ := o.siteDown.Load(host); down == true {
			w.WriteHeader(http.StatusServiceUnavailable)
			io.WriteString(w, "<h1>Service unavailable</h1>")
			return
		}
		io.WriteString(w, "<!doctype html><title>Welcome</title><p>Sign in to your account.</p>")
	}
}

// TestFlappingNetworkEndToEnd: Paywatch's watcher with two status pages and two website
// probes, all over real HTTP through a fault-injecting proxy on 127.0.0.1, at intervals scaled
// down from minutes to a tenth of a second. 100 flaps of the connection (resets, hangs,
// blackholes, DNS failures, a captive portal; down 30–170 ms, up 60–210 ms) notify nothing, on
// the desktop or the team webhook. Then real outages with the network fine (a website answering
// 503, a page's major outage) and their recoveries are each notified once, on both.
func TestFlappingNetworkEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("about 55 s of real time")
	}
	bank := demo.NewPage("northwind000", "Northwind Bank", "Online banking")
	acme := demo.NewPage("acmepay0demo", "Acme Pay", "Card payments")
	org := &origin{pages: demo.NewServer(nil, bank, acme)}
	srv := httptest.NewServer(org)
	defer srv.Close()
	proxy, err := faultproxy.New(strings.TrimPrefix(srv.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer proxy.Close()

	// The team webhook, on this machine and not behind the proxy.
	var hookMu sync.Mutex
	var hooks []string
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		hookMu.Lock()
		hooks = append(hooks, string(b))
		hookMu.Unlock()
	}))
	defer hook.Close()
	disp, err := channels.New([]monitor.ChannelConfig{{Name: "Team", URL: "generic+" + hook.URL + "/hook"}}, nil)
	if err != nil {
		t.Fatal(err)
	}

	// Every name resolves to the proxy, unless names are failing.
	var dns atomic.Bool
	dialer := &net.Dialer{Timeout: time.Second}
	tr := &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, _, _ := net.SplitHostPort(addr)
		if dns.Load() {
			return nil, &net.OpError{Op: "dial", Net: network, Err: &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}}
		}
		return dialer.DialContext(ctx, network, proxy.Addr())
	}}
	defer tr.CloseIdleConnections()
	const timeout = 400 * time.Millisecond
	f := monitor.NewFetcher(monitor.FetcherOptions{Transport: tr, Timeout: timeout})

	logw := &logBuf{}
	t.Cleanup(func() {
		if t.Failed() {
			t.Log(logw.String())
		}
	})
	const interval = 150 * time.Millisecond
	page := func(p *demo.Page) monitor.ServiceSpec {
		id, url := monitor.Slug(p.Name), "http://status."+p.ID+".test/"+p.ID
		return monitor.ServiceSpec{ID: id, Name: p.Name, URL: url, Targets: []monitor.Target{{
			ServiceID: id, SourceID: "page", Kind: monitor.KindPage, Platform: "statuspage", URL: url,
			Interval: interval, Checker: statuspage.New(url, f)}}}
	}
	site := func(id, name string) monitor.ServiceSpec {
		url := "http://www." + id + ".test/"
		return monitor.ServiceSpec{ID: id, Name: name, URL: url, Targets: []monitor.Target{{
			ServiceID: id, SourceID: "probe:www." + id + ".test", Kind: monitor.KindProbe, Platform: "probe", URL: url,
			Interval: interval, Checker: probe.New(probe.Options{URL: url}, f)}}}
	}
	specs := []monitor.ServiceSpec{page(bank), page(acme), site("visa", "Visa"), site("amex", "American Express")}
	policy := monitor.NewPolicy(monitor.AlertConfig{}, nil, time.Local, disp.Sinks()...)
	w := monitor.NewWatcher(specs, monitor.WatcherOptions{
		Engine:       monitor.EngineOptions{Stagger: 50 * time.Millisecond},
		Connectivity: monitor.NewConnectivity([]monitor.Canary{{URL: "http://canary.test/generate_204"}}, f),
		NetInterval:  300 * time.Millisecond,
		NetAskGap:    100 * time.Millisecond,
		Policy:       policy,
		Logger:       slog.New(slog.NewTextHandler(logw, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})

	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	updates := make(chan monitor.Update, 16)
	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel()
	wg.Go(func() { w.Run(ctx, updates) })
	wg.Go(func() { disp.Run(ctx) })
	var mu sync.Mutex
	var told []string
	var last monitor.Snapshot
	var changedAt = map[string]time.Time{} // service → when its state last changed
	wg.Go(func() {
		for {
			select {
			case <-ctx.Done():
				return
			case u := <-updates:
				mu.Lock()
				for _, n := range u.Notifications {
					t.Logf("notified %q: %q", n.Title, n.Body)
					told = append(told, n.Title)
					disp.Send(n)
				}
				for _, c := range u.Changes {
					if c.Kind == monitor.ChangeState {
						changedAt[c.ServiceID] = time.Now()
					}
				}
				last = u.Snapshot
				mu.Unlock()
			}
		}
	})
	wait := func(what string, limit time.Duration, cond func() bool) time.Duration {
		t.Helper()
		start := time.Now()
		for !cond() {
			if time.Since(start) > limit {
				t.Fatalf("no %s within %v; told %q", what, limit, snapshot(&mu, &told))
			}
			time.Sleep(10 * time.Millisecond)
		}
		return time.Since(start)
	}
	allOperational := func() bool {
		mu.Lock()
		defer mu.Unlock()
		if last.Offline || len(last.Services) != len(specs) {
			return false
		}
		for _, sv := range last.Services {
			if sv.State != monitor.StateOperational || sv.Stale {
				return false
			}
		}
		return true
	}
	wait("first round", 10*time.Second, allOperational)

	modes := []faultproxy.Mode{faultproxy.Reset, faultproxy.Hang, faultproxy.Blackhole, dnsDown, faultproxy.Portal}
	rnd := rand.New(rand.NewPCG(2026, 10))
	var downFor [dnsDown + 1]time.Duration
	start := time.Now()
	for i := range 100 {
		mode := modes[i%len(modes)]
		down := 30*time.Millisecond + time.Duration(rnd.Int64N(int64(140*time.Millisecond)))
		up := 60*time.Millisecond + time.Duration(rnd.Int64N(int64(150*time.Millisecond)))
		logw.Write([]byte(fmt.Sprintf("%s FLAP %d down %v\n", time.Now().Format("15:04:05.000"), mode, down)))
		if mode == dnsDown {
			dns.Store(true)
		} else {
			proxy.Set(mode)
		}
		time.Sleep(down)
		dns.Store(false)
		proxy.Set(faultproxy.Pass)
		logw.Write([]byte(fmt.Sprintf("%s FLAP up\n", time.Now().Format("15:04:05.000"))))
		time.Sleep(up)
		downFor[mode] += down
	}
	flaps := time.Since(start)
	// Whatever a flap started is over once every service is seen again and a storm window
	// has passed.
	wait("recovery after the flaps", 10*time.Second, allOperational)
	time.Sleep(monitor.StormWindow + time.Second)
	falseTold, falseHooks := snapshot(&mu, &told), snapshot(&hookMu, &hooks)
	t.Logf("100 flaps in %v (down: reset %v, hang %v, blackhole %v, DNS %v, portal %v): %d notifications, %d webhook messages",
		flaps.Round(time.Millisecond), downFor[faultproxy.Reset], downFor[faultproxy.Hang], downFor[faultproxy.Blackhole],
		downFor[dnsDown], downFor[faultproxy.Portal], len(falseTold), len(falseHooks))
	if len(falseTold) > 0 || len(falseHooks) > 0 {
		t.Fatalf("false alarms from a flapping network: told %q, webhook got %d messages", falseTold, len(falseHooks))
	}

	// Real outages, the network fine: a website and a status page.
	org.siteDown.Store("www.visa.test", true)
	bank.Set("Online banking", demo.Major)
	realAt := time.Now()
	seenDown := wait("the website outage noticed", 5*time.Second, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return changedAt["visa"].After(realAt)
	})
	wantDown := []string{"Northwind Bank: Major outage", "Visa: Major outage"}
	wait("both outages told", monitor.StormWindow+5*time.Second, func() bool { return len(snapshot(&mu, &told)) >= 2 })
	org.siteDown.Store("www.visa.test", false)
	bank.Set("Online banking", demo.Operational)
	wantUp := []string{"Northwind Bank is back to normal", "Visa is back to normal"}
	wait("both recoveries told", monitor.StormWindow+5*time.Second, func() bool { return len(snapshot(&mu, &told)) >= 4 })
	wait("four webhook messages", 10*time.Second, func() bool { return len(snapshot(&hookMu, &hooks)) >= 4 })
	time.Sleep(time.Second) // anything extra would show now
	got := snapshot(&mu, &told)
	slices.Sort(got[:2])
	slices.Sort(got[2:])
	if want := append(wantDown, wantUp...); !slices.Equal(got, want) {
		t.Errorf("real outages: told %q, want %q", got, want)
	}
	if h := snapshot(&hookMu, &hooks); len(h) != 4 {
		t.Errorf("webhook got %d messages, want 4: %q", len(h), h)
	}
	t.Logf("real outages: the website's noticed after %v (probe interval %v); 4 of 4 notifications and 4 webhook messages",
		seenDown.Round(time.Millisecond), interval)
}

type logBuf struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *logBuf) Write(p []byte) (int, error) { l.mu.Lock(); defer l.mu.Unlock(); return l.b.Write(p) }
func (l *logBuf) String() string              { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

func snapshot(mu *sync.Mutex, s *[]string) []string {
	mu.Lock()
	defer mu.Unlock()
	return slices.Clone(*s)
}
