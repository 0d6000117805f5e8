package monitor

import (
	"bytes"
	"context"
	"io"
	"sync"
)

// Page says how to read one status-page endpoint: where it is and which pure parser reads it.
type Page struct {
	// URL is the endpoint polled ("https://status.example.com/api/v2/summary.json").
	URL string
	// PageURL is the page people visit; it becomes Report.PageURL when the answer names none.
	PageURL string
	// Parse reads one answer. It may finish the report (absolute links, a page name): what it
	// returns is what a later 304 returns.
	Parse func(io.Reader) (Report, error)
	// Accept, when set, is sent instead of JSON's and the body is not required to be JSON (a
	// feed); Parse then judges the body alone.
	Accept string
	// Reparse parses every answer, a 304 included, for reports that depend on the time of the
	// check (a maintenance window that opens or closes while the page stays the same).
	Reparse bool
}

// PageChecker polls one endpoint and parses each answer; an unchanged answer (304) reuses the
// last parse. It is the checker of every platform that reads its status from one address.
type PageChecker struct {
	page    Page
	fetcher *Fetcher
	last    LastParse
}

var _ Checker = (*PageChecker)(nil)

// NewPageChecker returns a checker of p that fetches through f.
func NewPageChecker(p Page, f *Fetcher) *PageChecker {
	return &PageChecker{page: p, fetcher: f}
}

// URL is the endpoint the checker polls.
func (c *PageChecker) URL() string { return c.page.URL }

// Check fetches the endpoint and parses the answer. Unless every answer is parsed afresh
// (Reparse), the fetcher keeps no copy of the body for a 304 (the report is kept instead); in
// the rare case that a 304 comes while no report is kept (the last parse failed), the page is
// fetched again in full.
func (c *PageChecker) Check(ctx context.Context) (Report, error) {
	req := Request{URL: c.page.URL, Accept: c.page.Accept, Conditional: true, Parsed: !c.page.Reparse}
	resp, err := c.fetch(ctx, req)
	if err != nil {
		return Report{}, err
	}
	if resp.NotModified && !c.page.Reparse {
		if r, ok := c.last.kept(); ok {
			return r, nil
		}
		req.Conditional = false
		if resp, err = c.fetch(ctx, req); err != nil {
			return Report{}, err
		}
	}
	defer resp.release() // a parse copies what it keeps
	return c.last.Parse(resp.NotModified && !c.page.Reparse, func() (Report, error) {
		r, err := c.page.Parse(bytes.NewReader(resp.Body))
		if err != nil {
			return Report{}, err
		}
		if r.PageURL == "" {
			r.PageURL = c.page.PageURL
		}
		return r, nil
	})
}

// fetch asks for JSON, with the fetcher's JSON checks, unless the page says what it accepts.
func (c *PageChecker) fetch(ctx context.Context, req Request) (*Response, error) {
	if req.Accept == "" {
		req.Accept = "application/json"
		return c.fetcher.getJSON(ctx, req)
	}
	return c.fetcher.Do(ctx, req)
}

// LastParse keeps the last report a checker parsed, so that an answer the server says has not
// changed (304 Not Modified) is not parsed again. A failed parse forgets it: the fetcher repeats
// the body of the last full answer on a 304, and that body is the one that failed, so the report
// kept from before it must not come back. The zero value is ready to use and safe for concurrent
// use; a checker holds one LastParse for its whole life.
type LastParse struct {
	mu   sync.Mutex
	last *Report
}

// kept returns the last report, if one is kept.
func (l *LastParse) kept() (Report, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.last == nil {
		return Report{}, false
	}
	return *l.last, true
}

// Parse is how a checker reads its answers (PageChecker for one endpoint; checkers of several
// endpoints call it themselves): unchanged says every answer was a 304. It returns the last
// report when unchanged and one is kept; otherwise it calls parse, keeps its report, or forgets
// the last one when parse fails. parse runs under l's lock, so two checks of one checker never
// keep their parses out of order.
func (l *LastParse) Parse(unchanged bool, parse func() (Report, error)) (Report, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if unchanged && l.last != nil {
		return *l.last, nil
	}
	r, err := parse()
	if err != nil {
		l.last = nil
		return Report{}, err
	}
	if l.last != nil && sameReport(r, *l.last) {
		// A new body with the same news (a page that only moved its updated_at): the report
		// kept stays, so that one copy of it is kept here and downstream, and the tracker sees
		// at a glance that nothing changed.
		return *l.last, nil
	}
	l.last = &r
	return r, nil
}

// Forget drops the kept report, for a checker that learns its answers no longer mean what they
// did (a page that moved to another API version).
func (l *LastParse) Forget() {
	l.mu.Lock()
	l.last = nil
	l.mu.Unlock()
}
