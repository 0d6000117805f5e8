// Package feed reads status pages that publish RSS or Atom instead of a status API: PayPal
// (https://www.paypal-status.com/feed/atom), AWS (https://status.aws.amazon.com/rss/all.rss),
// Azure (https://azure.status.microsoft/en-us/status/feed/) and the incident history feeds of
// Statuspage, Instatus and incident.io pages (/history.atom, /history.rss, /feed.atom, …).
//
// A feed lists events, not a state: each entry is an incident (or maintenance) that is open or
// closed, and an empty but valid feed means nothing is open. Feeds carry no severity, so the
// impact of an open incident is read from its words (see keywordImpact). Feeds are parsed with
// github.com/mmcdole/gofeed; every text that reaches a Report is stripped of markup.
package feed

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mmcdole/gofeed"

	"github.com/paywatch/paywatch/monitor"
)

const platform = "feed"

// Flavor names the kind of feed, where the same words mean different things.
type Flavor int

// The flavours. Auto decides from the address, then from the entries themselves.
const (
	Auto Flavor = iota
	// History is an incident history feed (Statuspage, Instatus, incident.io): each entry is an
	// incident whose content lists its updates, newest first, each led by <strong>Status</strong>.
	History
	// PayPal is paypal-status.com: one entry per incident, its title led by the newest status
	// ("Resolved:", "Initial Notification:", "Postponed:", "Rescheduled:").
	PayPal
	// AWS is the AWS Health feed: one item per update, titled "Service disruption: …",
	// "Service impact: …", "Informational message: …"; items of one event share the guid up to
	// "_<epoch>".
	AWS
	// Azure is the Azure status feed: it lists only active events and is empty otherwise.
	Azure
)

var flavorNames = [...]string{"auto", "history", "paypal", "aws", "azure"}

func (f Flavor) String() string {
	if f < 0 || int(f) >= len(flavorNames) {
		return fmt.Sprintf("flavor(%d)", int(f))
	}
	return flavorNames[f]
}

// MarshalText implements encoding.TextMarshaler.
func (f Flavor) MarshalText() ([]byte, error) { return []byte(f.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler, for config files.
func (f *Flavor) UnmarshalText(b []byte) error {
	v := strings.ToLower(strings.TrimSpace(string(b)))
	if v == "" {
		*f = Auto
		return nil
	}
	for i, n := range flavorNames {
		if v == n {
			*f = Flavor(i)
			return nil
		}
	}
	return fmt.Errorf("unknown feed flavor %q (want one of %s)", string(b), strings.Join(flavorNames[:], ", "))
}

// DetectFlavor recognises the feeds whose address says what they are; others are Auto, and
// their entries decide.
func DetectFlavor(rawURL string) Flavor {
	u, err := url.Parse(strings.TrimSpace(rawURL))
	if err != nil {
		return Auto
	}
	host := strings.ToLower(u.Hostname())
	is := func(domain string) bool { return host == domain || strings.HasSuffix(host, "."+domain) }
	switch {
	case is("paypal-status.com"):
		return PayPal
	case is("status.aws.amazon.com"), is("health.aws.amazon.com"):
		return AWS
	case is("azure.status.microsoft"), is("status.azure.com"), is("azurestatuscdn.azureedge.net"):
		return Azure
	}
	p := strings.ToLower(u.Path)
	if strings.HasSuffix(p, "/rss/all.rss") {
		return AWS
	}
	if strings.HasSuffix(p, "history.atom") || strings.HasSuffix(p, "history.rss") {
		return History
	}
	return Auto
}

// Checker polls one feed through the generic page checker, reading it as one flavour.
type Checker struct {
	*monitor.PageChecker
	flavor Flavor
}

var _ monitor.Checker = (*Checker)(nil)

// New returns a checker for the feed at u, the feed's own address
// ("https://www.paypal-status.com/feed/atom", "https://status.example.com/history.atom"). The
// flavour comes from the address (DetectFlavor), else from the entries.
func New(u string, f *monitor.Fetcher) *Checker {
	return NewFlavor(u, f, Auto)
}

// NewFlavor is New with the flavour given, for feeds whose address does not tell. Status words
// are read the same way in every flavour; the flavour decides how items are grouped (AWS: by
// event), whether a listed maintenance is under way (AWS and Azure list current events only) and
// the page name when the feed has none.
func NewFlavor(u string, f *monitor.Fetcher, fl Flavor) *Checker {
	u = strings.TrimSpace(u)
	if fl == Auto {
		fl = DetectFlavor(u)
	}
	page := ""
	if pu, err := url.Parse(u); err == nil {
		page = pu.Scheme + "://" + pu.Host
	}
	return &Checker{PageChecker: monitor.NewPageChecker(monitor.Page{URL: u, PageURL: page, Accept: accept, Parse: readAs(u, fl)}, f), flavor: fl}
}

// Flavor is the flavour the checker reads the feed as.
func (c *Checker) Flavor() Flavor { return c.flavor }

const accept = "application/atom+xml, application/rss+xml;q=0.9, application/xml;q=0.8, text/xml;q=0.7"

// readAs reads the feed at u as fl, after refusing what the fetcher's own checks would refuse
// in a JSON answer: nothing at all, or a web page.
func readAs(u string, fl Flavor) func(io.Reader) (monitor.Report, error) {
	return func(r io.Reader) (monitor.Report, error) {
		b, err := io.ReadAll(r)
		if err != nil {
			return monitor.Report{}, &monitor.PayloadError{Platform: platform, Detail: "it could not be read", Err: err}
		}
		if kind, bad := sniff(b); bad {
			return monitor.Report{}, &monitor.FetchError{Kind: kind, URL: u}
		}
		return ParseAs(bytes.NewReader(b), fl)
	}
}

// sniff catches bodies the fetcher's own checks would: nothing at all, or a web page.
func sniff(b []byte) (monitor.ErrKind, bool) {
	t := bytes.TrimLeft(b, " \t\r\n\xef\xbb\xbf")
	switch {
	case len(t) == 0:
		return monitor.ErrEmpty, true
	case isHTML(t):
		return monitor.ErrHTML, true
	}
	return 0, false
}

// isHTML reports whether a document starts like a web page rather than a feed, after any XML
// declaration, comments and doctype that are not HTML's.
func isHTML(b []byte) bool {
	t := b
	for range 8 {
		t = bytes.TrimLeft(t, " \t\r\n\xef\xbb\xbf")
		lower := bytes.ToLower(t[:min(len(t), 16)])
		switch {
		case bytes.HasPrefix(lower, []byte("<!doctype html")), bytes.HasPrefix(lower, []byte("<html")):
			return true
		case bytes.HasPrefix(lower, []byte("<?")):
			i := bytes.Index(t, []byte("?>"))
			if i < 0 {
				return false
			}
			t = t[i+2:]
		case bytes.HasPrefix(lower, []byte("<!--")):
			i := bytes.Index(t, []byte("-->"))
			if i < 0 {
				return false
			}
			t = t[i+3:]
		default:
			return false
		}
	}
	return false
}

// Parse reads an RSS or Atom feed, deciding its flavour from its entries.
func Parse(r io.Reader) (monitor.Report, error) { return ParseAs(r, Auto) }

// ResolvedWindow is how far back, from the newest entry in the feed, a closed incident still
// counts as recent for Report.Resolved.
const ResolvedWindow = 7 * 24 * time.Hour

const maxResolved = 20

// ParseAs reads an RSS or Atom feed as the given flavour.
//
// Per entry, the first of these that applies decides:
//  1. its status word: the first known <strong> in its content (Statuspage, Instatus,
//     incident.io), else a known prefix of its title ("Resolved:", "[Resolved]", "Postponed:",
//     "Service is operating normally:"): Resolved, Completed, Postmortem, Mitigated, Cancelled →
//     closed; Scheduled, Postponed, Rescheduled → maintenance ahead; In progress, Verifying →
//     maintenance in progress; Investigating, Identified, Monitoring → open incident;
//  2. for AWS, "[RESOLVED]" in the title or "has been resolved" in the text → closed;
//  3. a title that looks like maintenance → maintenance, in progress when the text says it is
//     under way, else ahead;
//  4. otherwise an open incident. Its impact is AWS's title prefix where there is one
//     ("Service disruption" → major outage, "Service impact" → partial outage, informational →
//     degraded), else the words of its title and latest update (keywordImpact).
//
// AWS items are grouped by their guid up to "_<epoch>" and other entries by guid, and only the
// newest entry of each group counts. Closed incidents updated within ResolvedWindow of the newest
// entry go to Report.Resolved. A valid feed with no open entries is operational.
func ParseAs(r io.Reader, fl Flavor) (rep monitor.Report, err error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return monitor.Report{}, payloadErr("it could not be read", err)
	}
	if kind, bad := sniff(b); bad {
		if kind == monitor.ErrHTML {
			return monitor.Report{}, payloadErr("it is a web page, not a feed", nil)
		}
		return monitor.Report{}, payloadErr("it is empty", nil)
	}
	f, err := parseFeed(b)
	if err != nil {
		return monitor.Report{}, err
	}
	entries := make([]entry, 0, len(f.Items))
	for i, it := range f.Items {
		if it != nil {
			entries = append(entries, newEntry(it, i))
		}
	}
	if fl == Auto {
		fl = detectContent(entries)
	}
	entries = newestPerGroup(entries, fl)

	rep.PageName = pageName(f.Title, fl)
	if l := f.Link; strings.HasPrefix(l, "https://") || strings.HasPrefix(l, "http://") {
		rep.PageURL = l
	}
	var newest time.Time
	if f.UpdatedParsed != nil {
		newest = *f.UpdatedParsed
	}
	for _, e := range entries {
		if e.updated.After(newest) {
			newest = e.updated
		}
	}
	for _, e := range entries {
		classify(&rep, e, fl, newest)
	}
	if len(rep.Resolved) > maxResolved {
		rep.Resolved = rep.Resolved[:maxResolved]
	}
	return rep, nil
}

func payloadErr(detail string, err error) error {
	return &monitor.PayloadError{Platform: platform, Detail: detail, Err: err}
}

// parseFeed runs gofeed over a body and accepts only RSS and Atom. gofeed is a third party
// parser fed untrusted bytes: a panic in it becomes a payload error, not a crash of the app.
func parseFeed(b []byte) (f *gofeed.Feed, err error) {
	defer func() {
		if p := recover(); p != nil {
			f, err = nil, payloadErr("it could not be read as a feed", fmt.Errorf("parser panic: %v", p))
		}
	}()
	f, err = gofeed.NewParser().Parse(bytes.NewReader(b))
	if err != nil {
		if errors.Is(err, gofeed.ErrFeedTypeNotDetected) {
			return nil, payloadErr("it is not an RSS or Atom feed", nil)
		}
		return nil, payloadErr("it is not a valid RSS or Atom feed", err)
	}
	if f.FeedType != "rss" && f.FeedType != "atom" {
		return nil, payloadErr("it is not an RSS or Atom feed", nil)
	}
	return f, nil
}

// entry is one feed item, reduced to what classification needs.
type entry struct {
	key         string
	guid        string
	title       string // without its status prefix
	titleStatus string // the status prefix of the title, if any
	rawTitle    string
	status      string // the first known <strong> of the content, if any
	update      string // the latest update's text
	link        string
	categories  []string
	published   time.Time
	updated     time.Time
}

func newEntry(it *gofeed.Item, i int) entry {
	e := entry{guid: strings.TrimSpace(it.GUID), link: strings.TrimSpace(it.Link)}
	e.rawTitle = PlainText(it.Title)
	e.titleStatus, e.title = titleStatus(e.rawTitle)
	body := it.Content
	if strings.TrimSpace(body) == "" {
		body = it.Description
	}
	e.status, e.update = statusAndText(body, knownStatus)
	for _, c := range it.Categories {
		if c = PlainText(c); c != "" {
			e.categories = append(e.categories, c)
		}
	}
	if it.PublishedParsed != nil {
		e.published = *it.PublishedParsed
	}
	e.updated = e.published
	if it.UpdatedParsed != nil && it.UpdatedParsed.After(e.updated) {
		e.updated = *it.UpdatedParsed
	}
	if e.published.IsZero() {
		e.published = e.updated
	}
	e.key = e.guid
	if e.key == "" {
		e.key = e.link + "\x00" + e.rawTitle
	}
	if e.key == "\x00" {
		e.key = fmt.Sprintf("#%d", i)
	}
	return e
}

// awsGUID matches the guid of an AWS Health item: "...#<service>-<region>_<epoch>".
var awsGUID = regexp.MustCompile(`^(.*#.+)_(\d{9,})$`)

// detectContent picks a flavour from entries when the address did not.
func detectContent(es []entry) Flavor {
	paypal := false
	for _, e := range es {
		if awsGUID.MatchString(e.guid) {
			return AWS
		}
		if e.status != "" {
			return History
		}
		switch strings.ToLower(e.titleStatus) {
		case "initial notification", "postponed", "rescheduled":
			paypal = true
		}
	}
	if paypal {
		return PayPal
	}
	return History
}

// newestPerGroup keeps the newest entry of each group, in the order the groups first appear.
func newestPerGroup(es []entry, fl Flavor) []entry {
	byKey := map[string]int{}
	var out []entry
	for _, e := range es {
		if fl == AWS {
			if m := awsGUID.FindStringSubmatch(e.guid); m != nil {
				e.key = m[1]
			}
		}
		i, seen := byKey[e.key]
		if !seen {
			byKey[e.key] = len(out)
			out = append(out, e)
			continue
		}
		if newer(e, out[i]) {
			out[i] = e
		}
	}
	return out
}

// newer orders two entries of one group by time, then by AWS epoch; on a tie the one listed
// first (feeds list newest first) stays.
func newer(a, b entry) bool {
	if !a.updated.Equal(b.updated) {
		return a.updated.After(b.updated)
	}
	return epoch(a.guid) > epoch(b.guid)
}

func epoch(guid string) uint64 {
	if m := awsGUID.FindStringSubmatch(guid); m != nil {
		n, _ := strconv.ParseUint(m[2], 10, 64)
		return n
	}
	return 0
}

func pageName(title string, fl Flavor) string {
	t := PlainText(title)
	for _, suffix := range []string{" - Incident History", " - Incident history", " Incident History", " - Status History"} {
		t = strings.TrimSuffix(t, suffix)
	}
	if t != "" {
		return t
	}
	switch fl {
	case PayPal:
		return "PayPal"
	case AWS:
		return "AWS"
	case Azure:
		return "Azure"
	}
	return ""
}

// classify adds one entry to the report as an open incident, a maintenance or a recently closed
// incident (see ParseAs).
func classify(rep *monitor.Report, e entry, fl Flavor, newest time.Time) {
	status := e.status
	if status == "" {
		status = e.titleStatus
	}
	ph := statusPhase(status)
	title := e.title
	if title == "" {
		title = e.rawTitle
	}
	if title == "" {
		title = firstWords(e.update, 12)
	}
	if title == "" {
		title = "Status update"
	}
	text := e.rawTitle + ". " + e.update

	if ph != phaseClosed && fl == AWS && (strings.Contains(strings.ToUpper(e.rawTitle), "[RESOLVED]") || saysResolved(e.update)) {
		ph = phaseClosed
	}
	if ph == phaseUnknown || ph == phaseNeutral {
		if looksLikeMaintenance(title) {
			ph = phaseAhead
			if fl == AWS || fl == Azure || saysUnderway(text) {
				// These feeds list current events only.
				ph = phaseMaintenance
			}
		}
	}
	switch ph {
	case phaseClosed:
		if e.updated.IsZero() || e.updated.Before(newest.Add(-ResolvedWindow)) {
			return
		}
		in := e.incident(title, closedStatus(status), keywordImpact(text))
		in.ResolvedAt = e.updated
		rep.Resolved = append(rep.Resolved, in)
	case phaseAhead, phaseMaintenance:
		m := monitor.Maintenance{
			ID: e.key, Title: title, Status: strings.ToLower(status), InProgress: ph == phaseMaintenance,
			URL: e.link, Components: e.components(),
		}
		if m.Status == "" {
			m.Status = "scheduled"
			if m.InProgress {
				m.Status = "in progress"
			}
		}
		rep.Maintenances = append(rep.Maintenances, m)
	default:
		impact := keywordImpact(text)
		if s, ok := awsSeverity[strings.ToLower(e.titleStatus)]; ok {
			impact = s
		}
		st := strings.ToLower(status)
		if st == "" {
			st = "open"
		}
		rep.Incidents = append(rep.Incidents, e.incident(title, st, impact))
	}
}

func closedStatus(s string) string {
	if s = strings.ToLower(s); s != "" {
		return s
	}
	return "resolved"
}

func (e entry) incident(title, status string, impact monitor.State) monitor.Incident {
	return monitor.Incident{
		ID: e.key, Title: title, Impact: impact, Status: status, URL: e.link,
		CreatedAt: e.published, UpdatedAt: e.updated, LatestUpdate: e.update,
		Components: e.components(),
	}
}

// components are the AWS service-region of an item and any categories it carries.
func (e entry) components() []string {
	var out []string
	if m := awsGUID.FindStringSubmatch(e.guid); m != nil {
		if i := strings.LastIndex(m[1], "#"); i >= 0 && i+1 < len(m[1]) {
			out = append(out, m[1][i+1:])
		}
	}
	for _, c := range e.categories {
		if !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	return out
}

func firstWords(s string, n int) string {
	f := strings.Fields(s)
	if len(f) > n {
		return strings.Join(f[:n], " ") + "…"
	}
	return strings.Join(f, " ")
}
