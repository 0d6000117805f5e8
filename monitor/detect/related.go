package detect

import (
	"net"
	"net/url"
	"strings"
)

// hostingDomains serve many customers' pages under their own subdomains: sharing one of these
// says nothing about who a page belongs to.
var hostingDomains = []string{
	"statuspage.io", "instatus.com", "betteruptime.com", "betterstack.com", "statuspal.io",
	"statuspal.eu", "incident.io", "status.io", "github.io", "netlify.app", "vercel.app",
	"pages.dev", "herokuapp.com",
}

// related reports whether a page that says it lives at pageURL may be the page asked about. It
// accepts the same host and www. variants, subdomains either way (status.acme.com and acme.com),
// siblings under one registered domain (status.acme.com and www.acme.com), Statuspage's page-id
// address (<page id>.statuspage.io), and a hosted address whose customer name is the other
// host's registered name (acme.statuspage.io and status.acme.com). A page that gives no address passes.
func related(asked *url.URL, pageURL, pageID string) bool {
	pageURL = strings.TrimSpace(pageURL)
	if pageURL == "" {
		return true
	}
	if !strings.Contains(pageURL, "://") {
		pageURL = "https://" + pageURL
	}
	pu, err := url.Parse(pageURL)
	if err != nil || pu.Hostname() == "" {
		return true // nothing we can compare
	}
	a, p := normHost(asked.Hostname()), normHost(pu.Hostname())
	if a == p || strings.HasSuffix(a, "."+p) || strings.HasSuffix(p, "."+a) {
		return true
	}
	if net.ParseIP(a) != nil || net.ParseIP(p) != nil {
		return false
	}
	if sub, ok := strings.CutSuffix(a, ".statuspage.io"); ok && pageID != "" && strings.EqualFold(sub, pageID) {
		return true
	}
	if t := tenant(a, asked.Path); t != "" && ownedBy(p, t) {
		return true
	}
	if t := tenant(p, pu.Path); t != "" && ownedBy(a, t) {
		return true
	}
	ra, rp := registered(a), registered(p)
	return ra == rp && !hosting(ra)
}

func normHost(h string) string {
	return strings.TrimPrefix(strings.TrimSuffix(strings.ToLower(h), "."), "www.")
}

// pathHosted serve customers' pages under a path rather than a subdomain.
var pathHosted = []string{"statuspage.incident.io"}

// tenant is the customer's name in a hosted address: acme in acme.statuspage.io, or in
// statuspage.incident.io/acme.
func tenant(host, path string) string {
	for _, h := range pathHosted {
		if host == h {
			seg, _, _ := strings.Cut(strings.Trim(path, "/"), "/")
			return strings.ToLower(seg)
		}
	}
	for _, d := range hostingDomains {
		if rest, ok := strings.CutSuffix(host, "."+d); ok && !strings.Contains(rest, ".") {
			return rest
		}
	}
	return ""
}

// ownedBy reports whether a customer name is the name a host's owner registered: acme for
// status.acme.com or acme.co.uk; dashes do not count (acme-pay is acmepay).
func ownedBy(host, name string) bool {
	r := registered(host)
	if hosting(r) {
		return false
	}
	first, _, _ := strings.Cut(r, ".")
	strip := func(s string) string { return strings.ReplaceAll(s, "-", "") }
	return strip(first) == strip(name)
}

func hosting(domain string) bool {
	for _, d := range hostingDomains {
		if domain == d {
			return true
		}
	}
	return false
}

// secondLevel are the second-level labels under which country domains register names
// (acme.co.uk, acme.com.au). A rough stand-in for the public suffix list, good enough to tell
// whether two hosts belong to one company.
var secondLevel = map[string]bool{"co": true, "com": true, "net": true, "org": true, "gov": true, "ac": true, "edu": true, "ne": true, "or": true, "gv": true}

// registered is the domain a host's owner registered: acme.com for status.acme.com, acme.co.uk
// for status.acme.co.uk.
func registered(host string) string {
	labels := strings.Split(host, ".")
	n := len(labels)
	switch {
	case n <= 2:
		return host
	case len(labels[n-1]) == 2 && secondLevel[labels[n-2]]:
		return strings.Join(labels[n-3:], ".")
	}
	return strings.Join(labels[n-2:], ".")
}
