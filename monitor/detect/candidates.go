package detect

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/url"
	"regexp"
	"strings"

	"github.com/paywatch/paywatch/monitor"
)

// Parser is how package main lends detection one platform's parser.
type Parser struct {
	Parse func(io.Reader) (monitor.Report, error)
	// Fetcher, when set, fetches this platform's endpoints (a bigger body cap).
	Fetcher *monitor.Fetcher
}

// Parsers maps platform names (monitor.Platforms) to their parsers. For "cachet" it reads the
// component list (/api/v1/components or /api/components).
type Parsers map[string]Parser

// Candidates returns the platforms in the order detection tries them (PLATFORMS.md §14):
// Statuspage and incident.io's copy of its API, incident.io's widget API, Instatus, Better Stack,
// Cachet 2 and 3, a status.io page id in the home page, and last RSS or Atom feeds. Stripe,
// Slack, Google Cloud, Sorry and Statuspal are recognised by host name only (WellKnown), but their
// parsers are needed for that too. Platforms without a parser are left out.
func Candidates(p Parsers) []Candidate {
	all := []Candidate{
		{Platform: "statuspage", Paths: []string{"/api/v2/summary.json"}, Accept: statuspageID},
		{Platform: "incidentio", Paths: []string{"/api/v2/summary.json"}, Accept: incidentioID},
		{Platform: "incidentio_widget", Paths: []string{"/api/v1/summary"}, Accept: hasKey("ongoing_incidents")},
		{Platform: "instatus", Paths: []string{"/summary.json"}, Accept: instatusPage},
		{Platform: "betterstack", Paths: []string{"/index.json"}, Accept: betterstackPage},
		{Platform: "cachet", Require: &Gate{Path: "/api/v1/ping", Accept: isPong}, Paths: []string{"/api/v1/components?per_page=100"}},
		{Platform: "cachet", Require: &Gate{Path: "/api/ping", Accept: isPong}, Paths: []string{"/api/components?per_page=100"}},
		{Platform: "statusio", Locate: statusioPages},
		{Platform: "feed", Feed: true, Locate: feedLinks, Paths: FeedPaths},
		// Known by host name only.
		{Platform: "stripe"}, {Platform: "slack"}, {Platform: "gcp"}, {Platform: "sorry"}, {Platform: "statuspal"},
	}
	var out []Candidate
	for _, c := range all {
		if pp, ok := p[c.Platform]; ok && pp.Parse != nil {
			c.Parse, c.Fetcher = pp.Parse, pp.Fetcher
			out = append(out, c)
		}
	}
	return out
}

// FeedPaths are where status sites keep their feeds, most telling first.
var FeedPaths = []string{"/feed/atom", "/history.atom", "/feed.atom", "/history.rss", "/feed.rss", "/feed/rss", "/rss/all.rss"}

var labels = map[string]string{
	"statuspage":        "Atlassian Statuspage",
	"incidentio":        "incident.io (Statuspage-compatible API)",
	"incidentio_widget": "incident.io (widget API)",
	"instatus":          "Instatus",
	"statusio":          "status.io",
	"betterstack":       "Better Stack",
	"cachet":            "Cachet",
	"statuspal":         "Statuspal",
	"sorry":             "Sorry",
	"slack":             "Slack's status API",
	"gcp":               "Google Cloud's status dashboard",
	"stripe":            "Stripe's status API",
	"feed":              "RSS/Atom feed",
}

// Label names a platform for people ("Atlassian Statuspage").
func Label(platform string) string {
	if l, ok := labels[platform]; ok {
		return l
	}
	return platform
}

// WellKnown recognises sites whose host name says which platform they run, and returns the
// endpoint to poll. ok is false for other hosts; err is set for a well-known host whose address
// lacks the part that names the page (a status.io page id, a Sorry page id).
func WellKnown(rawURL string) (platform, endpoint string, ok bool, err error) {
	u, perr := parse(rawURL)
	if perr != nil {
		return "", "", false, perr
	}
	host := strings.TrimPrefix(u.Hostname(), "www.")
	origin := u.Scheme + "://" + u.Host
	path := strings.TrimRight(u.Path, "/")
	switch {
	case host == "status.stripe.com":
		return "stripe", origin + "/current", true, nil
	case host == "slack-status.com":
		return "slack", origin + "/api/v2.0.0/current", true, nil
	case host == "status.cloud.google.com":
		return "gcp", origin + "/incidents.json", true, nil
	case host == "google.com" && strings.HasPrefix(path, "/appsstatus"):
		return "gcp", origin + "/appsstatus/dashboard/incidents.json", true, nil
	case host == "api.status.io":
		m := statusioPath.FindStringSubmatch(path)
		if m == nil {
			return "statusio", "", false, fmt.Errorf("give the status.io page's API address with its page id (https://api.status.io/1.0/status/<page id>, the id is in the status page's source)")
		}
		return "statusio", origin + "/1.0/status/" + strings.ToLower(m[1]), true, nil
	case host == "api.sorryapp.com":
		m := sorryPath.FindStringSubmatch(path)
		if m == nil {
			return "sorry", "", false, fmt.Errorf("give the Sorry page's API address with its page id (https://api.sorryapp.com/v1/pages/<page id>, the id is in the status page's source)")
		}
		return "sorry", origin + "/v1/pages/" + m[1], true, nil
	case host == "statuspal.io" || host == "statuspal.eu":
		m := statuspalPath.FindStringSubmatch(path)
		if m == nil {
			return "statuspal", "", false, fmt.Errorf("give the Statuspal page's own address (https://<name>.%s)", host)
		}
		return "statuspal", origin + "/api/v2/status_pages/" + strings.ToLower(m[1]) + "/summary", true, nil
	}
	for _, apex := range []string{".statuspal.io", ".statuspal.eu"} {
		if sub, found := strings.CutSuffix(host, apex); found && subdomainRE.MatchString(sub) {
			return "statuspal", u.Scheme + "://" + apex[1:] + "/api/v2/status_pages/" + sub + "/summary", true, nil
		}
	}
	return "", "", false, nil
}

var (
	statusioPath  = regexp.MustCompile(`^/1\.0/status/([0-9a-fA-F]{24})(?:/|$)`)
	sorryPath     = regexp.MustCompile(`^/v1/pages/([A-Za-z0-9]+)(?:/|$)`)
	statuspalPath = regexp.MustCompile(`^/api/v2/status_pages/([A-Za-z0-9][A-Za-z0-9-]*)(?:/|$)`)
	subdomainRE   = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)
)

// page is the part of a Statuspage-shaped summary that identifies it.
type page struct {
	Page *struct {
		ID     string `json:"id"`
		Status any    `json:"status"`
	} `json:"page"`
}

func pageOf(body []byte) (id string, status any) {
	var p page
	if json.Unmarshal(body, &p) != nil || p.Page == nil {
		return "", nil
	}
	return p.Page.ID, p.Page.Status
}

// pageID is the page.id of a Statuspage-shaped document, or "".
func pageID(body []byte) string {
	id, _ := pageOf(body)
	return id
}

var (
	statuspageIDRE = regexp.MustCompile(`^[0-9a-z]{12}$`)
	ulidRE         = regexp.MustCompile(`^[0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{26}$`)
)

// statuspageID accepts Atlassian's 12-character base-32 page ids.
func statuspageID(body []byte) bool { return statuspageIDRE.MatchString(pageID(body)) }

// incidentioID accepts incident.io's 26-character ULID page ids.
func incidentioID(body []byte) bool { return ulidRE.MatchString(pageID(body)) }

func instatusPage(body []byte) bool {
	_, st := pageOf(body)
	s, ok := st.(string)
	return ok && strings.TrimSpace(s) != ""
}

func betterstackPage(body []byte) bool {
	var d struct {
		Data *struct {
			Type string `json:"type"`
		} `json:"data"`
	}
	return json.Unmarshal(body, &d) == nil && d.Data != nil && d.Data.Type == "status_page"
}

func hasKey(k string) func([]byte) bool {
	return func(body []byte) bool {
		var m map[string]json.RawMessage
		if json.Unmarshal(body, &m) != nil {
			return false
		}
		_, ok := m[k]
		return ok
	}
}

// isPong accepts Cachet's {"data":"Pong!"}.
func isPong(body []byte) bool {
	var p struct {
		Data any `json:"data"`
	}
	if json.Unmarshal(body, &p) != nil {
		return false
	}
	s, ok := p.Data.(string)
	return ok && strings.Contains(strings.ToLower(s), "pong")
}

var (
	linkTag = regexp.MustCompile(`(?is)<link\b[^>]*>`)
	attrRE  = regexp.MustCompile(`(?is)\b(rel|type|href)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))`)
	feedTyp = regexp.MustCompile(`(?i)^application/(rss|atom)\+xml$`)
)

// maxLocated bounds how many addresses one home page may send detection to.
const maxLocated = 3

// feedLinks finds <link rel="alternate" type="application/(rss|atom)+xml" href="…"> in a page.
func feedLinks(base *url.URL, home []byte) []string {
	var out []string
	for _, tag := range linkTag.FindAll(home, 64) {
		var rel, typ, href string
		for _, m := range attrRE.FindAllSubmatch(tag, -1) {
			v := html.UnescapeString(strings.TrimSpace(string(m[2]) + string(m[3]) + string(m[4])))
			switch strings.ToLower(string(m[1])) {
			case "rel":
				rel = strings.ToLower(v)
			case "type":
				typ = v
			case "href":
				href = v
			}
		}
		if !hasToken(rel, "alternate") || !feedTyp.MatchString(typ) || href == "" {
			continue
		}
		ref, err := url.Parse(href)
		if err != nil {
			continue
		}
		home := *base
		home.Path += "/"
		abs := home.ResolveReference(ref)
		if (abs.Scheme != "https" && abs.Scheme != "http") || abs.User != nil {
			continue
		}
		abs.Fragment = ""
		out = append(out, abs.String())
		if len(out) == maxLocated {
			break
		}
	}
	return out
}

func hasToken(list, tok string) bool {
	for _, f := range strings.Fields(list) {
		if f == tok {
			return true
		}
	}
	return false
}

var objectID = regexp.MustCompile(`\b[0-9a-f]{24}\b`)

// statusioPages finds status.io page ids (24-hex ObjectIds) in a page that mentions status.io
// and returns their public API addresses.
func statusioPages(_ *url.URL, home []byte) []string {
	if !bytes.Contains(bytes.ToLower(home), []byte("status.io")) {
		return nil
	}
	var out []string
	seen := map[string]bool{}
	for _, id := range objectID.FindAll(home, 32) {
		if s := string(id); !seen[s] {
			seen[s] = true
			out = append(out, "https://api.status.io/1.0/status/"+s)
		}
		if len(out) == maxLocated {
			break
		}
	}
	return out
}
