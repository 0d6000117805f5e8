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
//
// The result's At is when the check began: a check counts as made after a failure only if it
// began after it (one that began before could have been answered before the failure).
func (c *Connectivity) Check(ctx context.Context) NetState {
	began := time.Now()
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
	st := NetState{At: began}
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
