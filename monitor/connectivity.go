package monitor

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"
)

// DefaultCanaries are independent, well-known "are we online?" addresses. Each answers 204
// with an empty body, or the given text, when the internet works; a captive portal answers
// with its sign-in page instead.
var DefaultCanaries = []Canary{
	{URL: "http://connectivitycheck.gstatic.com/generate_204"},
	{URL: "http://cp.cloudflare.com/generate_204"},
	{URL: "http://detectportal.firefox.com/success.txt", Body: "success"},
}

// Connectivity tells "this machine is offline" apart from "the provider is down".
type Connectivity struct {
	canaries []Canary
	fetcher  *Fetcher
}

// NetState is the result of one connectivity check.
type NetState struct {
	Online        bool
	CaptivePortal bool
	Reason        string
	At            time.Time
}

// NewConnectivity returns a checker for the canaries (DefaultCanaries when empty).
func NewConnectivity(canaries []Canary, f *Fetcher) *Connectivity {
	if len(canaries) == 0 {
		canaries = DefaultCanaries
	}
	return &Connectivity{canaries: canaries, fetcher: f}
}

// Check asks every canary at once. One good answer means online. When all fail and at least one
// answered with the wrong content, a captive portal (a hotel or café sign-in page) is in the way.
func (c *Connectivity) Check(ctx context.Context) NetState {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	type result struct{ ok, portal bool }
	results := make([]result, len(c.canaries))
	var wg sync.WaitGroup
	for i, cn := range c.canaries {
		wg.Go(func() {
			resp, err := c.fetcher.Do(ctx, Request{URL: cn.URL, AnyStatus: true})
			if err != nil {
				return
			}
			results[i].ok = CanaryPassed(cn, resp.StatusCode, resp.Body)
			// A portal answers as if it were the canary, with its sign-in page; an error status
			// is a failure like any other, not a page to sign in on.
			results[i].portal = !results[i].ok && resp.StatusCode >= 200 && resp.StatusCode < 400
		})
	}
	wg.Wait()
	st := NetState{At: time.Now()}
	for _, r := range results {
		if r.ok {
			st.Online = true
			return st
		}
	}
	for _, r := range results {
		st.CaptivePortal = st.CaptivePortal || r.portal
	}
	if st.CaptivePortal {
		st.Reason = "A sign-in page (captive portal) is blocking the internet: open your browser and sign in to the network"
	} else {
		st.Reason = "You appear to be offline"
	}
	return st
}

// CanaryPassed judges one canary answer: by default 204 with an empty body; with Body set,
// 200 with that text.
func CanaryPassed(c Canary, code int, body []byte) bool {
	if c.Body == "" {
		return code == http.StatusNoContent && len(strings.TrimSpace(string(body))) == 0
	}
	return code == http.StatusOK && strings.TrimSpace(string(body)) == strings.TrimSpace(c.Body)
}

// AwaySummary words the "While you were away" notification from the changes confirmed after a
// sleep and the incidents that opened and closed during the gap. It returns false when nothing
// happened worth saying.
func AwaySummary(gapStart, gapEnd time.Time, changes []Change, snap Snapshot) (Notification, bool) {
	type net struct {
		name     string
		from, to State
	}
	order := []string{}
	byID := map[string]*net{}
	for _, c := range changes {
		if c.Kind != ChangeState {
			continue
		}
		n, ok := byID[c.ServiceID]
		if !ok {
			n = &net{name: c.Name, from: c.From}
			byID[c.ServiceID] = n
			order = append(order, c.ServiceID)
		}
		n.to = c.To
	}
	// One part a line, each with its service and severity, so that a sink can leave out the
	// services below its threshold.
	var parts []Notification
	for _, id := range order {
		n := byID[id]
		if n.from == n.to {
			continue
		}
		line := fmt.Sprintf("%s: %s.", n.name, strings.ToLower(n.to.Label()))
		if n.to == StateOperational {
			line = fmt.Sprintf("%s is working normally again (it was: %s).", n.name, strings.ToLower(n.from.Label()))
		}
		parts = append(parts, Notification{ServiceID: id, Title: line, State: n.to, Severity: Worst(n.from, n.to), At: gapEnd})
	}
	for _, sv := range snap.Services {
		for _, in := range sv.Resolved {
			if in.ResolvedAt.IsZero() || in.ResolvedAt.Before(gapStart) || in.ResolvedAt.After(gapEnd) {
				continue
			}
			// An incident counts as a problem even when its page gave it no impact.
			parts = append(parts, Notification{ServiceID: sv.ID, State: sv.State, Severity: Worst(in.Impact, StateDegraded), At: gapEnd,
				Title: fmt.Sprintf("%s had an incident that is now resolved: %s.", sv.Name, Sanitize(in.Title, 100))})
		}
	}
	if len(parts) == 0 {
		return Notification{}, false
	}
	return awaySummary(fmt.Sprintf("While you were away (%s)", HumanDuration(gapEnd.Sub(gapStart))), snap.Overall(), gapEnd, parts), true
}

// awaySummary is the "While you were away" notification, one line a part.
func awaySummary(title string, state State, at time.Time, parts []Notification) Notification {
	var lines []string
	for _, p := range parts {
		lines = append(lines, p.Title)
	}
	const maxLines = 6
	if len(lines) > maxLines {
		more := len(lines) - (maxLines - 1)
		lines = append(lines[:maxLines-1], fmt.Sprintf("…and %d more.", more))
	}
	return Notification{
		ServiceID: "",
		Title:     title,
		Body:      strings.Join(lines, "\n"),
		State:     state,
		// Severity is the worst that happened, so that a team channel that hears about
		// problems of that size hears this summary too.
		Severity: Worst(severities(parts)...),
		At:       at,
		Summary:  SummaryAway,
		Parts:    parts,
	}
}

func severities(ns []Notification) []State {
	out := make([]State, 0, len(ns))
	for _, n := range ns {
		out = append(out, n.Severity)
	}
	return out
}
