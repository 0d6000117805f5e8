package detect

// This file holds the shape checks and page searches the platform table (monitor/platforms) names
// in its detection hints.

import (
	"bytes"
	"encoding/json"
	"html"
	"net/url"
	"regexp"
	"strings"
)

// FeedPaths are where status sites keep their feeds, most telling first.
var FeedPaths = []string{"/feed/atom", "/history.atom", "/feed.atom", "/history.rss", "/feed.rss", "/feed/rss", "/rss/all.rss"}

// WellKnown recognises sites whose host name says which platform they run (a candidate's Host),
// and returns the endpoint to poll. ok is false for other hosts; err is set for a well-known host
// whose address lacks the part that names the page (a status.io page id, a Sorry page id).
func WellKnown(rawURL string, cands []Candidate) (platform, endpoint string, ok bool, err error) {
	u, perr := parse(rawURL)
	if perr != nil {
		return "", "", false, perr
	}
	for _, c := range cands {
		if c.Host == nil {
			continue
		}
		if endpoint, ok, err := c.Host(u); ok || err != nil {
			return c.Platform, endpoint, ok, err
		}
	}
	return "", "", false, nil
}

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

// StatuspageID accepts Atlassian's 12-character base-32 page ids.
func StatuspageID(body []byte) bool { return statuspageIDRE.MatchString(pageID(body)) }

// IncidentioID accepts incident.io's 26-character ULID page ids.
func IncidentioID(body []byte) bool { return ulidRE.MatchString(pageID(body)) }

// InstatusPage accepts a summary whose page has a status word.
func InstatusPage(body []byte) bool {
	_, st := pageOf(body)
	s, ok := st.(string)
	return ok && strings.TrimSpace(s) != ""
}

// BetterstackPage accepts a JSON:API document about a status_page.
func BetterstackPage(body []byte) bool {
	var d struct {
		Data *struct {
			Type string `json:"type"`
		} `json:"data"`
	}
	return json.Unmarshal(body, &d) == nil && d.Data != nil && d.Data.Type == "status_page"
}

// HasKey accepts a JSON object with the key k.
func HasKey(k string) func([]byte) bool {
	return func(body []byte) bool {
		var m map[string]json.RawMessage
		if json.Unmarshal(body, &m) != nil {
			return false
		}
		_, ok := m[k]
		return ok
	}
}

// IsPong accepts Cachet's {"data":"Pong!"}.
func IsPong(body []byte) bool {
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

// FeedLinks finds <link rel="alternate" type="application/(rss|atom)+xml" href="…"> in a page.
func FeedLinks(base *url.URL, home []byte) []string {
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

// StatusioPages finds status.io page ids (24-hex ObjectIds) in a page that mentions status.io
// and returns their public API addresses.
func StatusioPages(_ *url.URL, home []byte) []string {
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
