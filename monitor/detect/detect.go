// Package detect finds out which status platform serves a page given by its bare address
// ("status.coinbase.com"), which endpoint Paywatch should poll, and what the page says now. It
// knows how to look but not what each platform looks like: the platform table (monitor/platforms)
// hands that in as Candidates, with their parsers, so this package imports no platform package.
//
// Detection is suspicious by design. Many sites answer 200 with the same web page for every path,
// Statuspage keeps serving pages their owners switched off, and a page may describe a different
// company than the address asked about. A candidate wins only when its endpoint answers something
// that is not the site's catch-all answer and not a web page, passes the candidate's shape check
// and parser, and names a page that belongs to the address asked about.
package detect

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/paywatch/paywatch/monitor"
)

// Timeout bounds one detection, every request included.
const Timeout = 20 * time.Second

// Candidate is one way a page may be read. Candidates are tried in the order given; the first
// that fits wins.
type Candidate struct {
	// Platform is the name config uses, and Label its name for people ("Atlassian Statuspage").
	Platform, Label string
	// Host, when set, recognises the platform by an address's host name alone and returns the
	// endpoint to poll there (ok), or why the address cannot name a page on it (err). A host it
	// recognises is read at once, without the search the other fields drive.
	Host func(u *url.URL) (endpoint string, ok bool, err error)
	// Require, when set, must answer before any endpoint is tried (Cachet's ping).
	Require *Gate
	// Locate finds endpoints in the page's home page (feed links, a status.io page id). They are
	// tried before Paths and may live on another host.
	Locate func(base *url.URL, home []byte) []string
	// Paths are endpoints under the page's address, tried in order ("/api/v2/summary.json").
	Paths []string
	// Feed says the endpoints serve RSS or Atom rather than JSON.
	Feed bool
	// Accept is an optional cheap shape check run before Parse (a Statuspage id, not a ULID).
	Accept func(body []byte) bool
	// Parse reads an endpoint's answer; it must succeed for the candidate to win.
	Parse func(io.Reader) (monitor.Report, error)
	// Fetcher, when set, replaces the shared one for this candidate's endpoints (Google Cloud's
	// history outgrows the default body cap).
	Fetcher *monitor.Fetcher
}

// Gate is an address that must answer a recognisable body.
type Gate struct {
	Path   string
	Accept func(body []byte) bool
}

// Result is what detection found.
type Result struct {
	// URL is the address asked about, normalised ("https://status.example.com").
	URL      string
	Platform string
	// Label names the platform for people ("Atlassian Statuspage").
	Label string
	// Endpoint is the address the platform's checker polls; every checker accepts it as its URL.
	Endpoint string
	PageName string
	State    monitor.State
	Report   monitor.Report
}

// Detect finds the platform behind rawURL. A bare host is taken as https://. Every request goes
// through f (its timeouts, body cap and redirect limit), one at a time, within Timeout overall.
// Errors are *Error, whose text a person can read as it is.
func Detect(ctx context.Context, f *monitor.Fetcher, rawURL string, cands []Candidate) (Result, error) {
	u, err := parse(rawURL)
	if err != nil {
		return Result{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	d := &detector{f: f, cands: cands, asked: u, raw: asGiven(rawURL, u), base: baseOf(u), seen: map[string]*answer{}}

	if platform, endpoint, ok, err := WellKnown(u.String(), cands); ok || err != nil {
		if err != nil {
			return Result{}, &Error{URL: u.String(), Kind: ErrBadURL, Detail: err.Error()}
		}
		return d.wellKnown(ctx, platform, endpoint)
	}
	return d.search(ctx)
}

type detector struct {
	f     *monitor.Fetcher
	cands []Candidate
	asked *url.URL // as given, path included
	raw   string   // as given, with its query and trailing slash, for reading it as a feed
	base  *url.URL // asked without a known endpoint path, query or fragment

	seen     map[string]*answer
	catchAll []byte // what a made-up address answered with 200, if anything
	home     *answer
	inactive bool
	server   bool // some address answered 5xx
}

// answer is one fetched address. err is set only for failures before an answer arrived.
type answer struct {
	status int
	body   []byte
	err    error
	final  string // the address the answer came from, after redirects
}

func (d *detector) url(p string) string { return d.base.String() + p }

// get fetches an address once per detection; a repeat returns the first answer.
func (d *detector) get(ctx context.Context, f *monitor.Fetcher, u, accept string) *answer {
	if a, ok := d.seen[u]; ok {
		return a
	}
	if f == nil {
		f = d.f
	}
	a := &answer{}
	resp, err := f.Do(ctx, monitor.Request{URL: u, Accept: accept, AnyStatus: true})
	if err != nil {
		a.err = err
	} else {
		// encoding/json refuses a byte-order mark, which some servers send; GetJSON drops it
		// for polling, and so must detection.
		a.status, a.body, a.final = resp.StatusCode, bytes.TrimPrefix(resp.Body, monitor.BOM), resp.FinalURL
		if a.status >= 500 {
			d.server = true
		}
	}
	d.seen[u] = a
	return a
}

const (
	acceptJSON = "application/json"
	acceptFeed = "application/atom+xml, application/rss+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.1"
	acceptHTML = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"
)

// stop turns an answer that ends the whole search into an error: no connection, a timeout, or
// being told to slow down. Other failures (404, a web page, 500 on one path) only rule a path out.
func (d *detector) stop(ctx context.Context, a *answer) error {
	if ctx.Err() != nil {
		return &Error{URL: d.base.String(), Kind: ErrUnreachable, Detail: "it took too long to answer", Err: ctx.Err()}
	}
	if a.err != nil {
		var fe *monitor.FetchError
		if errors.As(a.err, &fe) {
			switch fe.Kind {
			case monitor.ErrNetwork, monitor.ErrTimeout, monitor.ErrDNS, monitor.ErrTLS, monitor.ErrRefused, monitor.ErrCanceled:
				return &Error{URL: d.base.String(), Kind: ErrUnreachable, Detail: monitor.Reason(a.err), Err: a.err}
			}
		}
		return nil
	}
	if a.status == http.StatusTooManyRequests {
		he := &monitor.HTTPError{Code: a.status}
		return &Error{URL: d.base.String(), Kind: ErrUnreachable, Detail: monitor.Reason(he), Err: he}
	}
	return nil
}

func (d *detector) search(ctx context.Context) (Result, error) {
	// A made-up address first: a site that answers it with 200 serves the same thing everywhere,
	// and nothing it serves that way may count as a status page.
	bogus := d.get(ctx, nil, d.url("/"+bogusName()), acceptJSON)
	if err := d.stop(ctx, bogus); err != nil {
		return Result{}, err
	}
	if bogus.err == nil && bogus.status == http.StatusOK && len(bytes.TrimSpace(bogus.body)) > 0 {
		d.catchAll = bogus.body
	}
	// People paste a feed's own address ("…/state_feed/feed", "…/xml/bank.xml"): the address
	// itself is read first, and counts as a feed when its content is one.
	if r, ok, err := d.self(ctx); ok || err != nil {
		return r, err
	}
	var soft error // the most telling reason a recognised page was refused
	for i := range d.cands {
		r, err := d.try(ctx, &d.cands[i])
		if err == nil {
			return r, nil
		}
		var de *Error
		if errors.As(err, &de) && de.Kind != errNoFit {
			return Result{}, err // decisive: unreachable, inactive, someone else's page
		}
		if soft == nil && de != nil && de.Err != nil {
			soft = de.Err
		}
	}
	return Result{}, &Error{URL: d.base.String(), Kind: ErrNotFound, CatchAll: d.catchAll != nil, ServerErrors: d.server, Err: soft}
}

// self reads the address as given with the feed candidates. Only the content decides: a path
// that looks like a feed's or a feed content type proves nothing, and a web page that mentions
// RSS is a web page.
func (d *detector) self(ctx context.Context) (Result, bool, error) {
	if u, err := url.Parse(d.raw); err != nil || (u.Path == "/" && u.RawQuery == "") {
		return Result{}, false, nil // a bare address is a home page; Locate reads it
	}
	for i := range d.cands {
		c := &d.cands[i]
		if !c.Feed || c.Parse == nil {
			continue
		}
		a := d.get(ctx, c.Fetcher, d.raw, acceptFeed)
		if err := d.stop(ctx, a); err != nil {
			return Result{}, false, err
		}
		if !d.usable(a, true) || (c.Accept != nil && !c.Accept(a.body)) {
			continue
		}
		rep, err := c.Parse(bytes.NewReader(a.body))
		if err != nil {
			continue
		}
		return result(d.base.String(), c, d.raw, rep), true, nil
	}
	return Result{}, false, nil
}

// try reads one candidate. An *Error of kind errNoFit means "not this one, try the next".
func (d *detector) try(ctx context.Context, c *Candidate) (Result, error) {
	noFit := &Error{URL: d.base.String(), Kind: errNoFit}
	if c.Parse == nil {
		return Result{}, noFit
	}
	if g := c.Require; g != nil {
		a := d.get(ctx, c.Fetcher, d.url(g.Path), acceptJSON)
		if err := d.stop(ctx, a); err != nil {
			return Result{}, err
		}
		if !d.usable(a, false) || (g.Accept != nil && !g.Accept(a.body)) {
			return Result{}, noFit
		}
	}
	var endpoints []string
	if c.Locate != nil {
		if h := d.homePage(ctx); h != nil {
			endpoints = append(endpoints, c.Locate(d.base, h)...)
		}
	}
	for _, p := range c.Paths {
		endpoints = append(endpoints, d.url(p))
	}
	accept := acceptJSON
	if c.Feed {
		accept = acceptFeed
	}
	tried := map[string]bool{}
	for _, ep := range endpoints {
		if tried[ep] {
			continue
		}
		tried[ep] = true
		local := sameHost(ep, d.base)
		a := d.get(ctx, c.Fetcher, ep, accept)
		if err := d.stop(ctx, a); err != nil {
			if local {
				return Result{}, err
			}
			continue // a linked feed or an API elsewhere failing says nothing about this site
		}
		if local && isInactive(a) {
			return Result{}, &Error{URL: d.base.String(), Kind: ErrInactive}
		}
		if !d.usable(a, c.Feed) || (c.Accept != nil && !c.Accept(a.body)) {
			continue
		}
		rep, err := c.Parse(bytes.NewReader(a.body))
		if err != nil {
			noFit.Err = err
			continue
		}
		if !c.Feed && local {
			if !related(d.asked, rep.PageURL, pageID(a.body)) {
				// A site that sends its status address on to a page on another host (a renamed
				// page, a company's page moved to a hosted address) vouches for that page: it
				// is accepted when it belongs where the redirect led, and polled there directly.
				moved, err := url.Parse(a.final)
				if a.final == "" || a.final == ep || err != nil || !related(moved, rep.PageURL, pageID(a.body)) {
					return Result{}, &Error{URL: d.base.String(), Kind: ErrForeign, PageName: rep.PageName, PageURL: rep.PageURL}
				}
				ep = a.final
			}
			if d.echoes(ctx, c, ep, a.body) {
				continue
			}
		}
		return result(d.base.String(), c, ep, rep), nil
	}
	return Result{}, noFit
}

// usable reports whether an answer could be a status document: a 200 that is neither the
// site's catch-all answer nor, for JSON, a web page.
func (d *detector) usable(a *answer, feed bool) bool {
	if a.err != nil || a.status != http.StatusOK || len(bytes.TrimSpace(a.body)) == 0 {
		return false
	}
	if d.catchAll != nil && bytes.Equal(a.body, d.catchAll) {
		return false
	}
	if feed {
		return !looksHTML(a.body)
	}
	return monitor.CheckJSONBody(a.body) == nil
}

// echoes asks a made-up sibling of an endpoint: a server that answers it with the very same
// bytes serves that document for every address under the folder, so it proves nothing.
func (d *detector) echoes(ctx context.Context, c *Candidate, endpoint string, body []byte) bool {
	u, err := url.Parse(endpoint)
	if err != nil {
		return false
	}
	dir := u.Path[:strings.LastIndex(u.Path, "/")+1]
	if strings.TrimRight(dir, "/") == strings.TrimRight(d.base.Path, "/") {
		return false // the site-wide check already covered this folder
	}
	sib := &url.URL{Scheme: u.Scheme, Host: u.Host, Path: dir + bogusName()}
	a := d.get(ctx, c.Fetcher, sib.String(), acceptJSON)
	return a.err == nil && a.status == http.StatusOK && bytes.Equal(a.body, body)
}

// homePage fetches the page's own address once, for feed links and page ids.
func (d *detector) homePage(ctx context.Context) []byte {
	if d.home == nil {
		home := *d.base
		if home.Path == "" {
			home.Path = "/"
		}
		d.home = d.get(ctx, nil, home.String(), acceptHTML)
	}
	if d.home.err != nil || d.home.status != http.StatusOK {
		return nil
	}
	return d.home.body
}

// wellKnown reads a site whose platform its host name gives away.
func (d *detector) wellKnown(ctx context.Context, platform, endpoint string) (Result, error) {
	for i := range d.cands {
		c := &d.cands[i]
		if c.Platform != platform || c.Parse == nil {
			continue
		}
		a := d.get(ctx, c.Fetcher, endpoint, acceptJSON)
		if err := d.stop(ctx, a); err != nil {
			return Result{}, err
		}
		var why error
		switch {
		case a.err != nil:
			why = a.err
		case a.status != http.StatusOK:
			why = &monitor.HTTPError{URL: endpoint, Code: a.status}
		default:
			if why = monitor.CheckJSONBody(a.body); why == nil {
				var rep monitor.Report
				if rep, why = c.Parse(bytes.NewReader(a.body)); why == nil {
					return result(d.base.String(), c, endpoint, rep), nil
				}
			}
		}
		return Result{}, &Error{URL: d.base.String(), Kind: ErrUnreadable, Platform: platform, Label: c.Label, Detail: monitor.Reason(why), Err: why}
	}
	return Result{}, &Error{URL: d.base.String(), Kind: ErrUnreadable, Platform: platform, Detail: "this copy of Paywatch cannot read " + platform + " pages"}
}

func result(base string, c *Candidate, endpoint string, rep monitor.Report) Result {
	state, _, _ := monitor.Rollup(rep, monitor.ComponentFilter{})
	return Result{URL: base, Platform: c.Platform, Label: c.Label, Endpoint: endpoint, PageName: strings.TrimSpace(rep.PageName), State: state, Report: rep}
}

// isInactive recognises a Statuspage page its owner switched off: its API answers 401 with
// "Your page is inactive...".
func isInactive(a *answer) bool {
	return a.err == nil && (a.status == http.StatusUnauthorized || a.status == http.StatusForbidden) &&
		bytes.Contains(bytes.ToLower(a.body), []byte("page is inactive"))
}

func bogusName() string {
	b := make([]byte, 8)
	rand.Read(b)
	return "paywatch-detect-" + hex.EncodeToString(b) + ".json"
}

func sameHost(raw string, base *url.URL) bool {
	u, err := url.Parse(raw)
	return err == nil && strings.EqualFold(u.Host, base.Host)
}

func looksHTML(b []byte) bool {
	t := bytes.ToLower(bytes.TrimLeft(b, " \t\r\n\xef\xbb\xbf"))
	t = t[:min(len(t), 512)]
	return bytes.HasPrefix(t, []byte("<!doctype html")) || bytes.HasPrefix(t, []byte("<html")) ||
		(bytes.HasPrefix(t, []byte("<!--")) && bytes.Contains(t, []byte("<html")))
}
