package detect

import (
	"fmt"
	"net/url"
	"strings"
)

// Normalize turns what a person types ("status.stripe.com", "HTTPS://Status.Stripe.com/") into
// the address detection works on: https:// unless another scheme is given, a lower-case host, no
// query, fragment or trailing slash. The cache is keyed by it.
func Normalize(raw string) (string, error) {
	u, err := parse(raw)
	if err != nil {
		return "", err
	}
	return u.String(), nil
}

func parse(raw string) (*url.URL, error) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return nil, &Error{Kind: ErrBadURL, Detail: "no address was given (write it like status.example.com)"}
	}
	if !strings.Contains(s, "://") {
		s = "https://" + strings.TrimLeft(s, "/")
	}
	u, err := url.Parse(s)
	bad := func(why string) error {
		return &Error{Kind: ErrBadURL, Detail: fmt.Sprintf("%q %s", raw, why)}
	}
	switch {
	case err != nil:
		return nil, bad("is not a web address (write it like status.example.com)")
	case u.Scheme != "https" && u.Scheme != "http":
		return nil, bad("is not a web address (it must start with https:// or http://)")
	case u.Hostname() == "":
		return nil, bad("has no host name (write it like status.example.com)")
	case u.User != nil:
		return nil, bad("contains a user name or password; Paywatch never sends credentials")
	}
	out := &url.URL{Scheme: u.Scheme, Host: strings.ToLower(u.Host), Path: strings.TrimRight(u.Path, "/")}
	return out, nil
}

// asGiven is the address as a person pasted it, checked by parse (u): https:// unless another
// scheme is given, its path, trailing slash and query kept, its fragment dropped. A feed's address
// may need all of them ("/en-us/status/feed/", "/feed?format=atom").
func asGiven(raw string, u *url.URL) string {
	s := strings.TrimSpace(raw)
	if !strings.Contains(s, "://") {
		s = "https://" + strings.TrimLeft(s, "/")
	}
	g, err := url.Parse(s)
	if err != nil {
		return u.String()
	}
	out := &url.URL{Scheme: u.Scheme, Host: u.Host, Path: g.Path, RawPath: g.RawPath, RawQuery: g.RawQuery}
	if out.Path == "" {
		out.Path = "/"
	}
	return out.String()
}

// endpointPaths are API and feed paths people paste along with the page's address; detection
// starts from the page itself.
var endpointPaths = []string{
	"/api/v2/summary.json", "/api/v2/status.json", "/api/v2/components.json",
	"/api/v2/incidents/unresolved.json", "/api/v2/incidents.json",
	"/api/v1/summary", "/summary.json", "/v2/components.json", "/v3/summary.json", "/index.json",
	"/api/v1/ping", "/api/ping", "/api/v1/components", "/api/components",
	"/feed/atom", "/feed/rss", "/history.atom", "/history.rss", "/feed.atom", "/feed.rss", "/rss/all.rss",
	"/state_feed/feed", "/state_feed/feed.atom", "/en-us/status/feed", "/feed",
}

// baseOf is the page's address with a pasted endpoint path taken off.
func baseOf(u *url.URL) *url.URL {
	b := *u
	for _, p := range endpointPaths {
		if strings.HasSuffix(strings.ToLower(b.Path), p) {
			b.Path = b.Path[:len(b.Path)-len(p)]
			break
		}
	}
	b.Path = strings.TrimRight(b.Path, "/")
	return &b
}
