package monitor_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/paywatch/paywatch/monitor"
	"github.com/paywatch/paywatch/monitor/demo"
	"github.com/paywatch/paywatch/monitor/probe"
	"github.com/paywatch/paywatch/monitor/statuspage"
)

// Ways the simulated connection fails while it is down.
const (
	flapUp     = iota
	flapReset  // every connection is reset
	flapHang   // connections are taken and never answered (held until the client gives up)
	flapDNS    // no name resolves
	flapPortal // a Wi-Fi sign-in page answers every request
	flapKinds
)

var flapNames = [flapKinds]string{"up", "reset", "hang", "DNS failure", "captive portal"}

// flakyNet is an in-memory internet for a synctest bubble: canaries, two real status pages and
// two websites, behind a connection the test makes fail in each of the ways above.
type flakyNet struct {
	pages http.Handler

	mu       sync.Mutex
	mode     int
	siteDown bool // the websites answer 503 while the connection is fine
}

func (n *flakyNet) set(mode int) {
	n.mu.Lock()
	n.mode = mode
	n.mu.Unlock()
}

func (n *flakyNet) RoundTrip(r *http.Request) (*http.Response, error) {
	n.mu.Lock()
	mode, siteDown := n.mode, n.siteDown
	n.mu.Unlock()
	host := r.URL.Hostname()
	switch mode {
	case flapReset:
		return nil, &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}
	case flapHang:
		<-r.Context().Done()
		return nil, r.Context().Err()
	case flapDNS:
		return nil, &net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}}
	}
	rec := httptest.NewRecorder()
	switch {
	case mode == flapPortal:
		rec.Header().Set("Content-Type", "text/html")
		rec.WriteString(signInPage)
	case host == canaryHost:
		rec.WriteHeader(http.StatusNoContent)
	case strings.HasPrefix(host, "status."):
		n.pages.ServeHTTP(rec, r)
	case siteDown:
		rec.WriteHeader(http.StatusServiceUnavailable)
		rec.WriteString("<h1>Service unavailable</h1>")
	default:
		rec.WriteString("<!doctype html><title>Welcome</title><p>Sign in to your account.</p>")
	}
	resp := rec.Result()
	resp.Request = r
	return resp, nil
}

// TestWatcherFlappingNetwork: 100 flaps of the connection (resets, hangs, DNS failures, captive
// portals; down from 1 s to 40 s, up from 5 s to 3 minutes) with two website probes and two
// status pages, at the real intervals (5-minute probes, a connectivity check a minute), notify
// nothing. Then a real outage of a website, with the network fine, notifies within two probe
// rounds, and a real page incident notifies too.
func TestWatcherFlappingNetwork(t *testing.T) {
	synctest.Test(t, testWatcherFlappingNetwork)
}

func testWatcherFlappingNetwork(t *testing.T) {
	bank := demo.NewPage("northwind000", "Northwind Bank", "Online banking")
	acme := demo.NewPage("acmepay0demo", "Acme Pay", "Card payments")
	nw := &flakyNet{pages: demo.NewServer(nil, bank, acme)}
	f := monitor.NewFetcher(monitor.FetcherOptions{Transport: nw, Timeout: monitor.DefaultTimeout})
	page := func(p *demo.Page) monitor.ServiceSpec {
		id, url := monitor.Slug(p.Name), "https://status."+p.ID+".example/"+p.ID
		return monitor.ServiceSpec{ID: id, Name: p.Name, URL: url, Targets: []monitor.Target{{
			ServiceID: id, SourceID: "page", Kind: monitor.KindPage, Platform: "statuspage", URL: url,
			Interval: time.Minute, Checker: statuspage.New(url, f)}}}
	}
	site := func(id, name string) monitor.ServiceSpec {
		url := "https://www." + id + ".example/"
		return monitor.ServiceSpec{ID: id, Name: name, URL: url, Targets: []monitor.Target{{
			ServiceID: id, SourceID: "probe:www." + id + ".example", Kind: monitor.KindProbe, Platform: "probe", URL: url,
			Interval: monitor.DefaultProbeInterval, Checker: probe.New(probe.Options{URL: url}, f)}}}
	}
	specs := []monitor.ServiceSpec{page(bank), page(acme), site("amex", "American Express"), site("visa", "Visa")}
	w := monitor.NewWatcher(specs, monitor.WatcherOptions{
		Connectivity: monitor.NewConnectivity([]monitor.Canary{{URL: "http://" + canaryHost + "/generate_204"}}, f),
		NetInterval:  time.Minute,
	})
	ctx, cancel := context.WithCancel(t.Context())
	updates := make(chan monitor.Update)
	done := make(chan struct{})
	go func() { w.Run(ctx, updates); close(done) }()
	var mu sync.Mutex
	var notes []string
	var last monitor.Snapshot
	go func() {
		for u := range updates {
			mu.Lock()
			for _, n := range u.Notifications {
				notes = append(notes, fmt.Sprintf("%s (%s)", n.Title, time.Now().Format(time.TimeOnly)))
			}
			last = u.Snapshot
			mu.Unlock()
		}
	}()
	told := func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), notes...)
	}
	defer func() {
		cancel()
		<-done
		close(updates)
	}()

	time.Sleep(time.Minute) // the first round: every service known
	mu.Lock()
	for _, sv := range last.Services {
		if sv.State != operational {
			t.Fatalf("after the first round %s is %v, want operational", sv.ID, sv.State)
		}
	}
	mu.Unlock()

	rnd := rand.New(rand.NewPCG(10, 12))
	var downFor [flapKinds]time.Duration
	start := time.Now()
	for i := range 100 {
		mode := flapReset + i%(flapKinds-1)
		down := time.Second + time.Duration(rnd.Int64N(int64(39*time.Second)))
		up := 5*time.Second + time.Duration(rnd.Int64N(int64(175*time.Second)))
		nw.set(mode)
		time.Sleep(down)
		nw.set(flapUp)
		time.Sleep(up)
		downFor[mode] += down
		if got := told(); len(got) > 0 {
			t.Fatalf("flap %d (%s for %v): notified %q, want nothing", i+1, flapNames[mode], down, got)
		}
	}
	t.Logf("100 flaps over %v (down: reset %v, hang %v, DNS %v, portal %v): 0 notifications",
		time.Since(start).Round(time.Second), downFor[flapReset], downFor[flapHang], downFor[flapDNS], downFor[flapPortal])

	// A real outage: the websites answer 503, the connection is fine.
	nw.mu.Lock()
	nw.siteDown = true
	nw.mu.Unlock()
	outage := time.Now()
	for len(told()) < 2 && time.Since(outage) < 2*monitor.DefaultProbeInterval {
		time.Sleep(time.Second)
	}
	got := told()
	if len(got) < 2 || !strings.HasPrefix(got[0], "American Express: Major outage") && !strings.HasPrefix(got[0], "Visa: Major outage") {
		t.Fatalf("websites down for %v: notified %q, want both Major outage within two probe rounds", time.Since(outage), got)
	}
	t.Logf("websites down: notified after %v: %q", time.Since(outage).Round(time.Second), got)

	bank.Set("Online banking", demo.Major)
	before := len(got)
	for len(told()) == before && time.Since(outage) < 20*time.Minute {
		time.Sleep(time.Second)
	}
	if got := told(); len(got) != before+1 || !strings.HasPrefix(got[before], "Northwind Bank: Major outage") {
		t.Fatalf("page incident: notified %q, want Northwind Bank: Major outage", got[before:])
	}
}
