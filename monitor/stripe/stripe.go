// Package stripe reads Stripe's own status API, https://status.stripe.com/current, which is not
// a Statuspage page: one overall word (up, degraded, down), a message, and one word per area.
package stripe

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode"

	"github.com/paywatch/paywatch/monitor"
)

const platform = "stripe"

// New returns a checker for the status site at u ("https://status.stripe.com"); the API address
// itself (".../current") is accepted too. The checker polls u + "/current".
func New(u string, f *monitor.Fetcher) *monitor.PageChecker {
	base := BaseURL(u)
	return monitor.NewPageChecker(monitor.Page{URL: base + "/current", PageURL: base, Parse: Parse}, f)
}

// BaseURL strips the API path from an address of Stripe's status site.
func BaseURL(u string) string {
	u = strings.TrimRight(strings.TrimSpace(u), "/")
	for _, suffix := range []string{"/current/full", "/current"} {
		if strings.HasSuffix(u, suffix) {
			return strings.TrimSuffix(u, suffix)
		}
	}
	return u
}

type current struct {
	LargeStatus *string           `json:"largestatus"`
	Message     string            `json:"message"`
	Statuses    map[string]string `json:"statuses"`
}

// Parse reads the document /current returns.
//
// Mapping: up → operational, degraded → degraded, down → major outage, for the page and for
// each area. Stripe's own overall word bounds how bad one area can be: an area reported down
// while the page as a whole is not down is a part of Stripe failing, a partial outage (so one
// area down under "degraded" makes the page a partial outage, not a major one). When anything is
// not up, the message becomes one open incident touching the areas that are not up.
func Parse(r io.Reader) (monitor.Report, error) {
	var cur current
	if err := json.NewDecoder(r).Decode(&cur); err != nil {
		return monitor.Report{}, &monitor.PayloadError{Platform: platform, Detail: "it is not Stripe's status format", Err: err}
	}
	if cur.LargeStatus == nil {
		return monitor.Report{}, &monitor.PayloadError{Platform: platform, Detail: "it has no overall status (largestatus)"}
	}
	page, ok := wordState(*cur.LargeStatus)
	if !ok {
		return monitor.Report{}, &monitor.PayloadError{Platform: platform, Detail: fmt.Sprintf("unknown overall status %q", *cur.LargeStatus)}
	}
	rep := monitor.Report{PageName: "Stripe", Indicator: page}
	var affected []string
	worst := page
	for _, key := range areaOrder(cur.Statuses) {
		st, known := wordState(cur.Statuses[key])
		if !known {
			st = monitor.StateUnknown
		}
		if st == monitor.StateMajorOutage && page != monitor.StateMajorOutage {
			st = monitor.StatePartialOutage
		}
		name := AreaName(key)
		rep.Components = append(rep.Components, monitor.Component{ID: key, Name: name, State: st})
		if st.IsProblem() {
			affected = append(affected, key, name)
			if st.Worse(worst) {
				worst = st
			}
		}
	}
	if worst.IsProblem() {
		msg := strings.Join(strings.Fields(cur.Message), " ")
		rep.Incidents = append(rep.Incidents, monitor.Incident{
			ID:           "stripe-current",
			Title:        incidentTitle(msg, worst),
			Impact:       worst,
			Status:       *cur.LargeStatus,
			LatestUpdate: msg,
			Components:   affected,
		})
	}
	return rep, nil
}

func wordState(v string) (monitor.State, bool) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "up":
		return monitor.StateOperational, true
	case "degraded":
		return monitor.StateDegraded, true
	case "down":
		return monitor.StateMajorOutage, true
	}
	return monitor.StateUnknown, false
}

// knownAreas are the areas Stripe lists, in the order its page shows them.
var knownAreas = []string{"api", "webhooks", "dashboard", "checkout"}

var areaNames = map[string]string{"api": "API", "webhooks": "Webhooks", "dashboard": "Dashboard", "checkout": "Checkout"}

// areaOrder lists the known areas first, in Stripe's order, then any others alphabetically;
// blank keys are left out.
func areaOrder(m map[string]string) []string {
	var out, rest []string
	for _, k := range knownAreas {
		if _, ok := m[k]; ok {
			out = append(out, k)
		}
	}
	for k := range m {
		if _, ok := areaNames[k]; !ok && strings.TrimSpace(k) != "" {
			rest = append(rest, k)
		}
	}
	slices.Sort(rest)
	return append(out, rest...)
}

// AreaName turns a key of "statuses" into a readable name: "api" → "API",
// "payment_links" → "Payment Links".
func AreaName(key string) string {
	if n, ok := areaNames[strings.ToLower(key)]; ok {
		return n
	}
	words := strings.FieldsFunc(key, func(r rune) bool { return r == '_' || r == '-' || unicode.IsSpace(r) })
	for i, w := range words {
		rs := []rune(w)
		rs[0] = unicode.ToUpper(rs[0])
		words[i] = string(rs)
	}
	if len(words) == 0 {
		return key
	}
	return strings.Join(words, " ")
}

// incidentTitle is the message's first sentence, or a plain phrase when Stripe sent none.
func incidentTitle(msg string, s monitor.State) string {
	title := msg
	if i := strings.Index(title, ". "); i > 0 {
		title = title[:i]
	}
	const max = 120
	if rs := []rune(title); len(rs) > max {
		title = strings.TrimSpace(string(rs[:max])) + "…"
	}
	title = strings.TrimSpace(strings.TrimSuffix(title, "."))
	if title == "" {
		switch s {
		case monitor.StateMajorOutage:
			return "Stripe reports an outage"
		case monitor.StatePartialOutage:
			return "Stripe reports a partial outage"
		}
		return "Stripe reports degraded service"
	}
	return title
}
