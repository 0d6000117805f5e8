package main

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// server imitates N Statuspage pages on 127.0.0.1. In "changing" mode every answer is new (the
// page's updated_at moves), in "unchanged" mode the same body comes back with an ETag and a
// conditional request gets 304. It counts the checks (summary requests) it answers, notes when
// each page was first asked for, answers connectivity checks and receives webhook messages.
type server struct {
	n        int
	changing bool
	srv      *http.Server
	addr     string

	checks atomic.Int64
	first  []atomic.Int64 // unix nanoseconds of each page's first check; 0 until then
	down   []atomic.Bool  // pages switched to a major outage (the latency test)

	mu    sync.Mutex
	plain [][]byte // unchanged mode: each page's operational body, and its gzip
	gz    [][]byte
	hooks chan hook
}

// hook is one webhook message and when it arrived.
type hook struct {
	at   time.Time
	body string
}

var gzPool = sync.Pool{New: func() any { w, _ := gzip.NewWriterLevel(io.Discard, gzip.BestSpeed); return w }}

func newServer(n int, changing bool) (*server, error) {
	s := &server{n: n, changing: changing, first: make([]atomic.Int64, n), down: make([]atomic.Bool, n),
		hooks: make(chan hook, 64)}
	if !changing {
		for i := range n {
			b := pageBody(i, 0, false)
			s.plain = append(s.plain, b)
			s.gz = append(s.gz, gzipped(b))
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("benchmark server: %w", err)
	}
	s.addr = "http://" + ln.Addr().String()
	s.srv = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	go s.srv.Serve(ln)
	return s, nil
}

func (s *server) close() { s.srv.Close() }

func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.URL.Path == "/canary":
		w.WriteHeader(http.StatusNoContent)
		return
	case r.URL.Path == "/hook":
		b, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		select {
		case s.hooks <- hook{at: time.Now(), body: string(b)}:
		default:
		}
		return
	}
	rest, ok := strings.CutPrefix(r.URL.Path, "/p/")
	if !ok {
		http.NotFound(w, r)
		return
	}
	num, endpoint, _ := strings.Cut(rest, "/")
	i, err := strconv.Atoi(num)
	if err != nil || i < 0 || i >= s.n {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	if endpoint == "api/v2/incidents.json" {
		w.Write([]byte(`{"page":{"id":"p","name":"Bench"},"incidents":[]}`))
		return
	}
	if endpoint != "api/v2/summary.json" {
		http.NotFound(w, r)
		return
	}
	s.checks.Add(1)
	s.first[i].CompareAndSwap(0, time.Now().UnixNano())
	down := s.down[i].Load()
	var body, zipped []byte
	var etag string
	switch {
	case s.changing:
		v := time.Now().UnixNano()
		etag = fmt.Sprintf(`"%d-%d"`, i, v)
		body = pageBody(i, v, down)
	case down:
		etag = fmt.Sprintf(`"%d-down"`, i)
		body = pageBody(i, 0, true)
	default:
		etag = fmt.Sprintf(`"%d-up"`, i)
		body, zipped = s.plain[i], s.gz[i]
	}
	w.Header().Set("ETag", etag)
	if r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	if strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
		if zipped == nil {
			zipped = gzipped(body)
		}
		w.Header().Set("Content-Encoding", "gzip")
		w.Write(zipped)
		return
	}
	w.Write(body)
}

func gzipped(b []byte) []byte {
	var buf bytes.Buffer
	zw := gzPool.Get().(*gzip.Writer)
	zw.Reset(&buf)
	zw.Write(b)
	zw.Close()
	gzPool.Put(zw)
	return buf.Bytes()
}

// componentNames are the parts of an imitation payment provider.
var componentNames = []string{"API", "Dashboard", "Card payments", "Payouts", "Webhooks", "Checkout",
	"Billing", "Invoicing", "Fraud screening", "3-D Secure", "Apple Pay", "Google Pay", "SEPA Direct Debit",
	"ACH transfers", "Terminal", "Connect", "Identity", "Reporting", "Sandbox", "Support site"}

// pageBody is an imitation Statuspage summary.json of about 8 KB: twenty components in two
// groups, no incidents; down adds a major outage of "Card payments" and its incident. version
// goes into the page's updated_at, so that a new version is a new body.
func pageBody(i int, version int64, down bool) []byte {
	var b bytes.Buffer
	updated := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(version % int64(1000*time.Hour))).Format(time.RFC3339Nano)
	indicator, description := "none", "All Systems Operational"
	if down {
		indicator, description = "major", "Major System Outage"
	}
	fmt.Fprintf(&b, `{"page":{"id":"page%04d","name":"Bench %04d","url":"https://status.bench%04d.example","time_zone":"Etc/UTC","updated_at":%q},`, i, i, i, updated)
	b.WriteString(`"components":[`)
	for g := range 2 {
		fmt.Fprintf(&b, `{"id":"grp%04d%d","name":"Region %d","status":"operational","created_at":"2019-06-26T12:17:36.935Z","updated_at":"2025-11-07T09:47:39.425Z","position":%d,"description":null,"showcase":false,"start_date":null,"group_id":null,"page_id":"page%04d","group":true,"only_show_if_degraded":false,"components":[`, i, g, g+1, g+1, i)
		for c := range 10 {
			if c > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `"c%04d%02d"`, i, g*10+c)
		}
		b.WriteString(`]},`)
	}
	for c, name := range componentNames {
		status := "operational"
		if down && c == 2 {
			status = "major_outage"
		}
		if c > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":"c%04d%02d","name":%q,"status":%q,"created_at":"2019-06-26T12:17:36.935Z","updated_at":"2025-11-07T09:47:39.425Z","position":%d,"description":"The %s service of this provider.","showcase":true,"start_date":null,"group_id":"grp%04d%d","page_id":"page%04d","group":false,"only_show_if_degraded":false}`,
			i, c, name, status, c+1, name, i, c/10, i)
	}
	b.WriteString(`],"incidents":[`)
	if down {
		fmt.Fprintf(&b, `{"id":"inc%04d","name":"Card payments failing","status":"investigating","created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z","monitoring_at":null,"resolved_at":null,"impact":"critical","shortlink":"https://stspg.io/bench","started_at":"2026-01-01T00:00:00Z","page_id":"page%04d","incident_updates":[{"id":"upd%04d","status":"investigating","body":"Card payments are failing for most merchants.","incident_id":"inc%04d","created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z","display_at":"2026-01-01T00:00:00Z"}],"components":[{"id":"c%04d02","name":"Card payments","status":"major_outage"}]}`, i, i, i, i, i)
	}
	fmt.Fprintf(&b, `],"scheduled_maintenances":[],"status":{"indicator":%q,"description":%q}}`, indicator, description)
	return b.Bytes()
}
