package monitor

import (
	"bytes"
	"context"
	"io"
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

// Check fetches the endpoint and parses the answer.
func (c *PageChecker) Check(ctx context.Context) (Report, error) {
	var resp *Response
	var err error
	if c.page.Accept == "" {
		resp, err = c.fetcher.GetJSON(ctx, c.page.URL)
	} else {
		resp, err = c.fetcher.Do(ctx, Request{URL: c.page.URL, Accept: c.page.Accept, Conditional: true})
	}
	if err != nil {
		return Report{}, err
	}
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
