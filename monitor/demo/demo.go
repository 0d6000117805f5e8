// Package demo is a simulated status server for `paywatch --demo` and for tests: it serves real
// Statuspage-format summary.json documents on 127.0.0.1 and walks through a scripted story, so
// anyone without internet sees the tray change and the notifications arrive.
package demo

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Status values are Statuspage's own words.
const (
	Operational = "operational"
	Degraded    = "degraded_performance"
	Partial     = "partial_outage"
	Major       = "major_outage"
	Maintenance = "under_maintenance"
)

// Incident is an open incident on a simulated page.
type Incident struct {
	Name   string
	Impact string // none, minor, major, critical
	Status string // investigating, identified, monitoring
	Update string
}

// Upcoming is a scheduled maintenance.
type Upcoming struct {
	Name        string
	Starts, End time.Time
	InProgress  bool
}

// Page is one simulated Statuspage. It is safe for concurrent use.
type Page struct {
	ID, Name string

	mu          sync.Mutex
	components  []string
	status      map[string]string
	incident    *Incident
	maintenance *Upcoming
	// updated is when the page last changed, stamped at the first render after the change, so
	// that an unchanged page renders to the same bytes (and ETag) however much time passes.
	updated time.Time
	dirty   bool
}

// NewPage returns a page whose components are all operational.
func NewPage(id, name string, components ...string) *Page {
	p := &Page{ID: id, Name: name, components: components, status: map[string]string{}}
	for _, c := range components {
		p.status[c] = Operational
	}
	return p
}

// Set changes one component's status ("major_outage").
func (p *Page) Set(component, status string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.status[component] = status
	p.dirty = true
}

// SetAll sets every component.
func (p *Page) SetAll(status string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.components {
		p.status[c] = status
	}
	p.dirty = true
}

// SetIncident opens (or with nil, resolves) the page's incident.
func (p *Page) SetIncident(in *Incident) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.incident = in
	p.dirty = true
}

// SetMaintenance schedules (or with nil, removes) a maintenance.
func (p *Page) SetMaintenance(m *Upcoming) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.maintenance = m
	p.dirty = true
}

// Summary renders the page as /api/v2/summary.json.
func (p *Page) Summary(now time.Time, baseURL string) []byte {
	p.mu.Lock()
	defer p.mu.Unlock()
	type comp struct {
		ID        string  `json:"id"`
		Name      string  `json:"name"`
		Status    string  `json:"status"`
		Position  int     `json:"position"`
		GroupID   *string `json:"group_id"`
		Group     bool    `json:"group"`
		PageID    string  `json:"page_id"`
		CreatedAt string  `json:"created_at"`
		UpdatedAt string  `json:"updated_at"`
	}
	if p.updated.IsZero() || p.dirty {
		p.updated, p.dirty = now, false
	}
	ts := p.updated.UTC().Format(time.RFC3339)
	worst := 0
	rank := map[string]int{Operational: 0, Maintenance: 1, Degraded: 2, Partial: 3, Major: 4}
	comps := []comp{}
	for i, c := range p.components {
		st := p.status[c]
		worst = max(worst, rank[st])
		comps = append(comps, comp{ID: fmt.Sprintf("%s%04d", prefix(p.ID, 8), i), Name: c, Status: st, Position: i + 1, PageID: p.ID, CreatedAt: ts, UpdatedAt: ts})
	}
	indicator, desc := "none", "All Systems Operational"
	switch worst {
	case 1:
		indicator, desc = "maintenance", "Service Under Maintenance"
	case 2:
		indicator, desc = "minor", "Partially Degraded Service"
	case 3:
		indicator, desc = "major", "Partial System Outage"
	case 4:
		indicator, desc = "critical", "Major Service Outage"
	}
	incidents := []map[string]any{}
	if in := p.incident; in != nil {
		affected := []comp{}
		for _, c := range comps {
			if c.Status != Operational {
				affected = append(affected, c)
			}
		}
		incidents = append(incidents, map[string]any{
			"id": prefix(p.ID, 6) + "inc001", "name": in.Name, "status": in.Status, "impact": in.Impact,
			"created_at": ts, "updated_at": ts, "shortlink": baseURL + "/incidents/1", "page_id": p.ID,
			"components": affected,
			"incident_updates": []map[string]any{{
				"id": prefix(p.ID, 6) + "upd001", "status": in.Status, "body": in.Update, "created_at": ts, "display_at": ts,
			}},
		})
	}
	maint := []map[string]any{}
	if m := p.maintenance; m != nil {
		status := "scheduled"
		if m.InProgress {
			status = "in_progress"
		}
		maint = append(maint, map[string]any{
			"id": prefix(p.ID, 6) + "mnt001", "name": m.Name, "status": status, "impact": "maintenance",
			"scheduled_for": m.Starts.UTC().Format(time.RFC3339), "scheduled_until": m.End.UTC().Format(time.RFC3339),
			"created_at": ts, "updated_at": ts, "shortlink": baseURL + "/maintenance/1", "page_id": p.ID,
			"components": []comp{}, "incident_updates": []map[string]any{},
		})
	}
	doc := map[string]any{
		"page":                   map[string]any{"id": p.ID, "name": p.Name, "url": baseURL, "time_zone": "Etc/UTC", "updated_at": ts},
		"status":                 map[string]any{"indicator": indicator, "description": desc},
		"components":             comps,
		"incidents":              incidents,
		"scheduled_maintenances": maint,
	}
	b, _ := json.Marshal(doc)
	return b
}

// prefix returns up to n bytes of id: ids are free text and may be short.
func prefix(id string, n int) string { return id[:min(n, len(id))] }

// Server serves pages at /<page id>/api/v2/summary.json with ETag support, like a real page.
type Server struct {
	pages map[string]*Page
	now   func() time.Time
	ln    net.Listener
	srv   *http.Server
	serve sync.WaitGroup // the goroutine serving, from Listen until Close
}

// NewServer returns a server for pages; now is the clock (time.Now when nil).
func NewServer(now func() time.Time, pages ...*Page) *Server {
	if now == nil {
		now = time.Now
	}
	s := &Server{pages: map[string]*Page{}, now: now}
	for _, p := range pages {
		s.pages[p.ID] = p
	}
	return s
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	parts := strings.SplitN(strings.TrimPrefix(r.URL.Path, "/"), "/", 2)
	p, ok := s.pages[parts[0]]
	if !ok || len(parts) < 2 || parts[1] != "api/v2/summary.json" {
		if ok && len(parts) < 2 || ok && parts[1] == "" {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprintf(w, "<!doctype html><title>%s status (Paywatch demo)</title><h1>%s</h1><p>This is Paywatch's simulated status page.</p>", p.Name, p.Name)
			return
		}
		http.NotFound(w, r)
		return
	}
	base := "http://" + r.Host + "/" + p.ID
	body := p.Summary(s.now(), base)
	sum := sha256.Sum256(body)
	etag := `W/"` + hex.EncodeToString(sum[:8]) + `"`
	w.Header().Set("ETag", etag)
	w.Header().Set("Cache-Control", "public, max-age=0, must-revalidate")
	if r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Write(body)
}

// Listen binds to 127.0.0.1 on a free port and serves in the background until Close.
// Call it once.
func (s *Server) Listen() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("demo: listen: %w", err)
	}
	s.ln = ln
	s.srv = &http.Server{Handler: s, ReadHeaderTimeout: 5 * time.Second}
	s.serve.Go(func() { s.srv.Serve(ln) })
	return "http://" + ln.Addr().String(), nil
}

// Close stops the server and returns once it has stopped serving.
func (s *Server) Close() error {
	if s.srv == nil {
		return nil
	}
	err := s.srv.Close()
	s.serve.Wait()
	return err
}
