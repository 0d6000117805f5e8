// Package probe checks a website that has no status page: it fetches a public page (never with
// credentials or cookies) and judges the answer by status code, speed and page text.
package probe

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/paywatch/paywatch/monitor"
)

// Rule turns a phrase on the page into a state ("temporarily unavailable" → major_outage).
type Rule = monitor.ProbeRule

// Options says what a healthy answer looks like.
type Options struct {
	URL    string
	Method string // GET (default) or HEAD; HEAD cannot read page text
	// Expect lists acceptable status codes; empty means any 2xx or 3xx.
	Expect []int
	// Slow is the latency above which the site counts as slow (default 5 s).
	Slow  time.Duration
	Rules []Rule
}

// DefaultSlow is the latency above which a site counts as slow.
const DefaultSlow = 5 * time.Second

// DefaultRules are phrases that sign-in and home pages show when the service is down.
var DefaultRules = []Rule{
	{Contains: "temporarily unavailable", State: monitor.StateMajorOutage},
	{Contains: "service unavailable", State: monitor.StateMajorOutage},
	{Contains: "scheduled maintenance", State: monitor.StateMaintenance},
	{Contains: "down for maintenance", State: monitor.StateMaintenance},
}

// Checker probes one address.
type Checker struct {
	opt     Options
	fetcher *monitor.Fetcher
}

var _ monitor.Checker = (*Checker)(nil)

// New returns a probe of o.URL.
func New(o Options, f *monitor.Fetcher) *Checker {
	if o.Slow <= 0 {
		o.Slow = DefaultSlow
	}
	if o.Method == "" {
		o.Method = http.MethodGet
	}
	return &Checker{opt: o, fetcher: f}
}

// Check fetches the page once. Failures to connect are returned as errors; the tracker counts
// them as "failing" only after they repeat.
func (c *Checker) Check(ctx context.Context) (monitor.Report, error) {
	resp, err := c.fetcher.Do(ctx, monitor.Request{URL: c.opt.URL, Method: c.opt.Method, AnyStatus: true, Accept: "text/html,*/*;q=0.8"})
	if err != nil {
		return monitor.Report{}, err
	}
	res := Judge(c.opt, resp.StatusCode, resp.Latency, resp.Body)
	res.RetryAfter = monitor.RetryAfter(resp.Header)
	return monitor.Report{PageURL: c.opt.URL, Probe: &res}, nil
}

// Judge decides what one answer means. It is pure, so every rule is table-tested.
func Judge(o Options, code int, latency time.Duration, body []byte) monitor.ProbeResult {
	if o.Slow <= 0 {
		o.Slow = DefaultSlow
	}
	res := monitor.ProbeResult{StatusCode: code, Latency: latency}
	lower := visibleText(body)
	for _, r := range o.Rules {
		if r.Contains != "" && bytes.Contains(lower, []byte(strings.ToLower(r.Contains))) {
			res.State = r.State
			if r.State == monitor.StateMaintenance {
				res.Verdict = "shows a maintenance page"
			} else {
				res.Verdict = "shows an outage page"
			}
			res.Reason = fmt.Sprintf("the page says %q", r.Contains)
			return res
		}
	}
	expected := slices.Contains(o.Expect, code) || (len(o.Expect) == 0 && code >= 200 && code < 400)
	switch {
	case expected && latency > o.Slow:
		res.State, res.Verdict = monitor.StateDegraded, "slow"
		res.Reason = fmt.Sprintf("answered, but slowly (%.1f s)", latency.Seconds())
	case expected:
		res.State, res.Verdict = monitor.StateOperational, "reachable"
		res.Reason = fmt.Sprintf("answered in %.1f s", latency.Seconds())
	case code == http.StatusTooManyRequests || code == http.StatusForbidden || code == http.StatusUnauthorized:
		// The site answered; it limits automated visitors. That is not an outage.
		res.State, res.Verdict = monitor.StateOperational, "reachable"
		res.Reason = fmt.Sprintf("answered (it limits automated checks, HTTP %d)", code)
	case code >= 500:
		res.State, res.Verdict = monitor.StateMajorOutage, "failing"
		res.Reason = fmt.Sprintf("the site's server is failing (HTTP %d)", code)
	default:
		res.State, res.Verdict = monitor.StateUnknown, "unexpected answer"
		res.Reason = fmt.Sprintf("the site gave an unexpected answer (HTTP %d); the probe address may be wrong", code)
	}
	return res
}

var (
	hiddenRE = regexp.MustCompile(`(?is)<(script|style|noscript|template)\b.*?</(script|style|noscript|template)\s*>|<!--.*?-->`)
	tagRE    = regexp.MustCompile(`(?s)<[^>]*>`)
)

// visibleText is the page's text as a person would read it, lower-cased: scripts, styles,
// comments and tags removed, so a phrase in a script or an attribute cannot trigger a rule.
func visibleText(body []byte) []byte {
	t := hiddenRE.ReplaceAll(body, []byte(" "))
	t = tagRE.ReplaceAll(t, []byte(" "))
	return bytes.ToLower(bytes.Join(bytes.Fields(t), []byte(" ")))
}
