// Package feed reads status pages that publish RSS or Atom instead of a status API: PayPal
// (https://www.paypal-status.com/feed/atom), AWS (https://status.aws.amazon.com/rss/all.rss),
// Azure (https://azure.status.microsoft/en-us/status/feed/), the incident history feeds of
// Statuspage, Instatus and incident.io pages (/history.atom, /history.rss, /feed.atom, …), Better
// Stack (/feed), hund.io (/state_feed/feed), cState and the feeds of hosts and banks.
//
// A feed lists events, not a state: its items are grouped into incidents (see ParseWith), the
// newest item of each says whether it is open, and an empty but valid feed means nothing is open.
// Feeds carry no status field and no severity of their own, so both are read from their words,
// in seven languages (package wording). Feeds are parsed with github.com/mmcdole/gofeed; every
// text that reaches a Report is stripped of markup.
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

	"github.com/paywatch/paywatch/internal/wording"
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
	return NewWith(u, f, Options{Flavor: fl})
}

// NewWith is New with the flavour and the age limit given (o.Now is ignored: each check reads
// the feed at the time it is made). A zero MaxAge is DefaultMaxAge; a negative one turns it off.
func NewWith(u string, f *monitor.Fetcher, o Options) *Checker {
	u = strings.TrimSpace(u)
	fl := o.Flavor
	if fl == Auto {
		fl = DetectFlavor(u)
	}
	page := ""
	if pu, err := url.Parse(u); err == nil {
		page = pu.Scheme + "://" + pu.Host
	}
	return &Checker{PageChecker: monitor.NewPageChecker(monitor.Page{URL: u, PageURL: page, Accept: accept, Parse: readAs(u, fl, o.MaxAge), Reparse: true}, f), flavor: fl}
}

// Flavor is the flavour the checker reads the feed as.
func (c *Checker) Flavor() Flavor { return c.flavor }

const accept = "application/atom+xml, application/rss+xml;q=0.9, application/xml;q=0.8, text/xml;q=0.7"

// readAs reads the feed at u as fl with the default age limit (so a 304 is read again: an
// incident can age out while the feed stays the same), after refusing what the fetcher's own checks would refuse
// in a JSON answer: nothing at all, or a web page.
func readAs(u string, fl Flavor, maxAge time.Duration) func(io.Reader) (monitor.Report, error) {
	return func(r io.Reader) (monitor.Report, error) {
		b, err := io.ReadAll(r)
		if err != nil {
			return monitor.Report{}, &monitor.PayloadError{Platform: platform, Detail: "it could not be read", Err: err}
		}
		if kind, bad := sniff(b); bad {
			return monitor.Report{}, &monitor.FetchError{Kind: kind, URL: u}
		}
		return ParseWith(bytes.NewReader(b), Options{Flavor: fl, Now: time.Now(), MaxAge: maxAge})
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

// Parse reads an RSS or Atom feed, deciding its flavour from its entries. It applies no age
// limit; ParseWith does, given the time.
func Parse(r io.Reader) (monitor.Report, error) { return ParseAs(r, Auto) }

// ParseAs reads an RSS or Atom feed as the given flavour, with no age limit (see ParseWith).
func ParseAs(r io.Reader, fl Flavor) (monitor.Report, error) {
	return ParseWith(r, Options{Flavor: fl})
}

// ParseNow is ParseWith at the time of the call with the default age limit: what a checker
// polling the feed should use. Parse and ParseAs apply no age limit.
func ParseNow(r io.Reader, fl Flavor) (monitor.Report, error) {
	return ParseWith(r, Options{Flavor: fl, Now: time.Now()})
}

// ResolvedWindow is how far back, from the newest entry in the feed, a closed incident still
// counts as recent for Report.Resolved.
const ResolvedWindow = 7 * 24 * time.Hour

// DefaultMaxAge is how long an incident may go without an update before it no longer counts as
// open, when Options.MaxAge is not set.
const DefaultMaxAge = 7 * 24 * time.Hour

const maxResolved = 20

// Options say how to read a feed.
type Options struct {
	// Flavor is the kind of feed; Auto decides from the entries.
	Flavor Flavor
	// Now is the time of the check. With it set, an incident whose newest item is older than
	// MaxAge is no longer open: it goes to Report.Resolved, its status saying why ("no longer
	// counted as open: no update for 7 days"); a maintenance said to be under way that long ago
	// is over. Zero applies no age limit.
	Now time.Time
	// MaxAge is that age; zero means DefaultMaxAge and a negative age turns the limit off.
	MaxAge time.Duration
}

func (o Options) maxAge() time.Duration {
	switch {
	case o.Now.IsZero() || o.MaxAge < 0:
		return 0
	case o.MaxAge == 0:
		return DefaultMaxAge
	}
	return o.MaxAge
}

// ParseWith reads an RSS or Atom feed. It is a pure function of its input and o.
//
// Items are first grouped into incidents (see group): by guid (AWS's up to "_<epoch>", Better
// Stack's up to "#<n>"), by link, and outside incident-history feeds by title with its status
// words taken off ("Update: X", "[Resolved] X" and "X resolved" are one incident). The newest
// item of each incident decides its state, from the first of these that applies:
//  1. a status label (package wording, in English, German, French, Spanish, Italian,
//     Portuguese and Dutch): the first known <strong> of its content (Statuspage, Instatus,
//     incident.io), else a label before its title ("Resolved:", "[Gelöst]", "[Information]")
//     or after it ("File uploads resolved"): closed → resolved; scheduled → maintenance ahead;
//     in progress → maintenance under way (an incident, outside history feeds, when the title
//     is not maintenance); open words → open incident; information → not an incident;
//  2. for AWS, "[RESOLVED]" in the title; for every feed whose label does not decide, prose
//     that says it is over ("has been resolved", "back to normal", "wieder verfügbar",
//     "a été résolu"), not merely that it will be;
//  3. a title that names maintenance → maintenance, under way when the text says so (or in the
//     AWS and Azure feeds, which list current events only), else ahead;
//  4. otherwise an open incident. Its impact is AWS's title prefix where there is one
//     ("Service disruption" → major outage, "Service impact" → partial outage, informational →
//     degraded), else the words of its title and latest update (wording.Impact: degraded unless
//     they name an outage), and then its status says "severity read from its words".
//
// With o.Now set, an open incident or a maintenance under way whose newest item is older than
// the age limit is no longer open (see Options.Now), except in the Azure feed, which lists only
// what is going on now. Closed incidents updated within ResolvedWindow of the newest entry go to Report.Resolved.
// A valid feed with nothing open is operational.
func ParseWith(r io.Reader, o Options) (rep monitor.Report, err error) {
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
	fl := o.Flavor
	if fl == Auto {
		fl = detectContent(entries)
	}
	home := ""
	if l := f.Link; strings.HasPrefix(l, "https://") || strings.HasPrefix(l, "http://") {
		rep.PageURL = l
		home = l
	}
	// Where each entry carries its incident's whole history (Statuspage, Instatus,
	// incident.io), entries are incidents and two with one title are two incidents.
	whole := o.Flavor == History || slices.ContainsFunc(entries, func(e entry) bool { return e.strong })
	entries = group(entries, fl, home, !whole)

	rep.PageName = pageName(f.Title, fl)
	var newest time.Time
	if f.UpdatedParsed != nil {
		newest = *f.UpdatedParsed
	}
	for _, e := range entries {
		if e.updated.After(newest) {
			newest = e.updated
		}
	}
	c := classifier{fl: fl, newest: newest, now: o.Now, maxAge: o.maxAge()}
	for _, e := range entries {
		c.classify(&rep, e)
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
	index      int
	key        string // the item's own identity, before grouping
	guid       string
	title      string // without its status labels
	rawTitle   string
	label      string // the status label: the content's <strong>, else the title's prefix, else its suffix
	prefix     string // the title's status prefix, if any
	strong     bool   // the label is the content's <strong>
	update     string // the latest update's text
	link       string
	categories []string
	published  time.Time
	updated    time.Time
}

// cachetTime is how Cachet 1.x feeds write <created_at> and <updated_at>.
const cachetTime = "2006-01-02 15:04:05"

func newEntry(it *gofeed.Item, i int) entry {
	e := entry{index: i, guid: strings.TrimSpace(it.GUID), link: strings.TrimSpace(it.Link)}
	e.rawTitle = PlainText(it.Title)
	e.prefix, e.title = titleStatus(updateSuffix.ReplaceAllString(e.rawTitle, ""))
	suffix := ""
	if s, rest := wording.Suffix(e.title); s != wording.Unknown {
		suffix = strings.TrimSpace(strings.TrimPrefix(e.title, rest))
		e.title = rest
	}
	body := it.Content
	if strings.TrimSpace(body) == "" {
		body = it.Description
	}
	// Cachet 1.x feeds carry an incident in elements of their own: <message>, <status>,
	// <component>, <created_at> and <updated_at> (local times written "2006-01-02 15:04:05").
	if strings.TrimSpace(body) == "" {
		body = it.Custom["message"]
	}
	var status string
	status, e.update = statusAndText(body, knownStatus)
	if own := PlainText(it.Custom["status"]); status == "" && own != "" && wording.Label(own) != wording.Unknown {
		status = own
	}
	switch {
	case status != "":
		e.label, e.strong = status, true
	case e.prefix != "" && !(wording.Label(e.prefix) == wording.Neutral && suffix != ""):
		e.label = e.prefix
	case suffix != "":
		e.label = suffix
	default:
		e.label = leadLabel(e.update)
	}
	if e.label == "" {
		e.label = e.prefix
	}
	for _, c := range it.Categories {
		if c = PlainText(c); c == "" {
			continue
		}
		// Some feeds file an item under its status ("resolved", "active"): a label, not a
		// component.
		if s := wording.Label(c); s != wording.Unknown && s != wording.Neutral {
			if e.label == "" || wording.Label(e.label) == wording.Neutral {
				e.label = c
			}
			continue
		}
		e.categories = append(e.categories, c)
	}
	if c := PlainText(it.Custom["component"]); c != "" {
		e.categories = append(e.categories, c)
	}
	if it.PublishedParsed != nil {
		e.published = *it.PublishedParsed
	} else {
		e.published = monitor.ParseTime(it.Custom["created_at"], cachetTime)
	}
	e.updated = e.published
	if it.UpdatedParsed != nil && it.UpdatedParsed.After(e.updated) {
		e.updated = *it.UpdatedParsed
	} else if u := monitor.ParseTime(it.Custom["updated_at"], cachetTime); u.After(e.updated) {
		e.updated = u
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

// leadLabel is a status label that opens an update's text, set off as a label: "Resolved. All
// payments go through.", "Resolved - …", "Status: Resolved", or the whole text. Prose that merely
// starts with such a word ("Scheduled maintenance is in progress") is not a label.
func leadLabel(text string) string {
	f := strings.Fields(text)
	for n := min(len(f), 4); n >= 1; n-- {
		lead := strings.Join(f[:n], " ")
		s := wording.Label(lead)
		if s == wording.Unknown || s == wording.Neutral {
			continue
		}
		setOff := n == len(f) || strings.ContainsAny(f[n-1][len(f[n-1])-1:], ".:") ||
			f[n] == "-" || f[n] == "–" || f[n] == "—" ||
			(n == 2 && strings.EqualFold(strings.TrimRight(f[0], ":"), "status"))
		if setOff {
			return strings.TrimRight(lead, ".:-–— ")
		}
	}
	return ""
}

var (
	// awsGUID matches the guid of an AWS Health item: "...#<service>-<region>_<epoch>".
	awsGUID = regexp.MustCompile(`^(.*#.+)_(\d{9,})$`)
	// updateGUID matches a guid that numbers the updates of one incident: Better Stack's
	// ".../incident/123#2", Nunc's ".../incidents/<id>#2".
	updateGUID = regexp.MustCompile(`^(.+)#\d{1,3}$`)
	// childGUID matches the guid of an update that names its incident: Hetzner's
	// "...de.html#4733-4142" is an update of "...de.html#4733".
	childGUID = regexp.MustCompile(`^(.+#\d+)-\d+$`)
	// updateSuffix is an update's number after its incident's title: "Störung vHost 1317 (1. Update)".
	updateSuffix = regexp.MustCompile(`(?i)\s*\(\s*(\d+\.?\s*)?(update|aktualisierung|nachtrag|mise à jour|actualización|aggiornamento|atualização)\s*\)\s*$`)
)

// detectContent picks a flavour from entries when the address did not.
func detectContent(es []entry) Flavor {
	paypal := false
	for _, e := range es {
		if awsGUID.MatchString(e.guid) {
			return AWS
		}
		if e.strong {
			return History
		}
		switch strings.ToLower(e.prefix) {
		case "initial notification", "postponed", "rescheduled":
			paypal = true
		}
	}
	if paypal {
		return PayPal
	}
	return History
}

// group joins the items of one incident and keeps the newest item of each, in the order the
// incidents first appear. Items belong together when they share a guid (AWS's up to its epoch,
// Better Stack's up to "#<n>"), a link other than the feed's home page, or, outside incident
// history feeds (where each entry is a whole incident, byTitle false), a title once its status
// words are off.
func group(es []entry, fl Flavor, home string, byTitle bool) []entry {
	parent := make([]int, len(es))
	for i := range parent {
		parent[i] = i
	}
	var find func(int) int
	find = func(i int) int {
		for parent[i] != i {
			parent[i] = parent[parent[i]]
			i = parent[i]
		}
		return i
	}
	union := func(a, b int) {
		if ra, rb := find(a), find(b); ra != rb {
			parent[max(ra, rb)] = min(ra, rb)
		}
	}
	// A link every item shares is the page's, not an incident's.
	links := map[string]int{}
	guids := map[string]bool{}
	for _, e := range es {
		if e.link != "" {
			links[e.link]++
		}
		guids[e.guid] = true
	}
	first := map[string]int{}
	base := make([]string, len(es)) // the incident's own id, where a guid gives one
	join := func(kind, key string, i int) {
		if key == "" {
			return
		}
		if j, ok := first[kind+"\x00"+key]; ok {
			union(i, j)
			return
		}
		first[kind+"\x00"+key] = i
	}
	for i, e := range es {
		id := e.guid
		if m := awsGUID.FindStringSubmatch(id); fl == AWS && m != nil {
			id = m[1]
		} else if m := childGUID.FindStringSubmatch(id); m != nil {
			id = m[1]
		} else if m := updateGUID.FindStringSubmatch(id); m != nil && !strings.HasSuffix(m[1], "/") &&
			(e.link == "" || e.link == m[1] || guids[m[1]]) {
			// "#2" numbers an update only where the rest names the incident: its link, or
			// another item's guid. A page of many incidents ("status.html#4733") does not.
			id = m[1]
		}
		join("guid", id, i)
		base[i] = id
		if e.link != "" && e.link != home && strings.TrimRight(e.link, "/") != strings.TrimRight(home, "/") &&
			(len(es) < 3 || links[e.link] < len(es)) {
			join("link", e.link, i)
		}
		if byTitle && fl != AWS {
			join("title", normTitle(e.title), i)
		}
	}
	idx := map[int]int{}
	var out []entry
	for i, e := range es {
		r := find(i)
		k, seen := idx[r]
		if !seen {
			idx[r] = len(out)
			e.key = es[r].key
			if base[r] != "" {
				e.key = base[r]
			}
			out = append(out, e)
			continue
		}
		if newer(e, out[k]) {
			e.key = out[k].key
			out[k] = e
		}
	}
	return out
}

// normTitle is a title reduced for comparison: its words, lower case.
func normTitle(t string) string { return strings.TrimSpace(words(t)) }

// newer orders two entries of one incident by time, then by AWS epoch; on a tie the one listed
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
