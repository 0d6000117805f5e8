package channels

import (
	"cmp"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"unicode"
)

// hidden stands in for every secret part of an address.
const hidden = "…"

// Redact shows a channel address as its scheme and host only, for logs, the tray, `paywatch
// status` and `paywatch config check`: user names, passwords, paths, queries and fragments
// never show, whatever they look like (a webhook's secret can be a plain word such as
// /webhook/mysecrettoken). The host shows when it names a server (a dotted name, an IP address,
// localhost) or is a plain word (slack://…@webhook, telegram://…@telegram); a host that is an
// id or a token (Discord's webhook id, a Teams group) becomes "…". An address that does not
// parse shows as its scheme only.
func Redact(rawURL string) string {
	raw := strings.TrimSpace(rawURL)
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" {
		// url.Parse's error quotes the address: never show it, nor the address.
		if scheme, _, ok := strings.Cut(raw, "://"); ok && schemeRE.MatchString(scheme) {
			return strings.ToLower(scheme) + "://" + hidden
		}
		return hidden
	}
	if u.Opaque != "" || !strings.Contains(raw, "://") {
		return u.Scheme + ":" + hidden
	}
	host := u.Host
	if !shownHost(u.Hostname()) {
		host = hidden
		if p := u.Port(); p != "" {
			host += ":" + p
		}
	}
	if host == "" {
		host = hidden
	}
	return u.Scheme + "://" + host
}

// shownHost reports a host that names a server rather than hiding a secret: a dotted name or
// IPv4 address, an IPv6 address, localhost, or a word of letters alone.
func shownHost(h string) bool {
	if h == "" {
		return false
	}
	if strings.Contains(h, ".") || strings.Contains(h, ":") || h == "localhost" {
		return true
	}
	for _, r := range h {
		if !unicode.IsLetter(r) {
			return false
		}
	}
	return len(h) <= 12
}

var (
	schemeRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*$`)
	// urlRE finds addresses inside error text, where libraries quote the URL they were given.
	urlRE = regexp.MustCompile(`[A-Za-z][A-Za-z0-9+.-]*://[^\s"'<>` + "`" + `]+`)
)

// looksSecret reports a path segment that is probably a token or an id: eight characters or
// more that mix letters and digits (Slack's T0123ABCD and xoxb-…, Teams' UUIDs, Telegram's
// 123456:ABC…, Discord's tokens), or any run of twenty or more. Words such as "webhook",
// "IncomingWebhook" or "v1" stay readable.
func looksSecret(seg string) bool {
	if len(seg) >= 20 {
		return true
	}
	if len(seg) < 8 {
		return false
	}
	var letters, digits bool
	for _, r := range seg {
		switch {
		case unicode.IsDigit(r):
			digits = true
		case unicode.IsLetter(r):
			letters = true
		}
	}
	return letters && digits
}

// secretsOf lists the parts of an address that must never be shown, longest first so that a
// secret is not half-replaced by a shorter one it contains.
func secretsOf(rawURL string) []string {
	raw := strings.TrimSpace(rawURL)
	out := []string{raw}
	add := func(s string, min int) {
		if len(s) < min {
			return
		}
		out = append(out, s)
		for _, esc := range []string{url.PathEscape(s), url.QueryEscape(s)} {
			if esc != s {
				out = append(out, esc)
			}
		}
	}
	u, err := url.Parse(raw)
	if err != nil {
		// Nothing can be picked apart; hide what follows the scheme wherever it appears.
		if _, rest, ok := strings.Cut(raw, "://"); ok {
			add(rest, 1)
		}
	} else {
		if u.User != nil {
			add(u.User.Username(), 3)
			if p, ok := u.User.Password(); ok {
				add(p, 3)
			}
			add(u.User.String(), 3)
		}
		// Every path segment is hidden from addresses (Redact); in free text, hide those long
		// enough not to be a common word that happens to appear in the message.
		for seg := range strings.SplitSeq(u.Path, "/") {
			if seg != "" && (looksSecret(seg) || len(seg) >= 5) {
				add(seg, 3)
			}
		}
		if h := u.Hostname(); !shownHost(h) {
			add(h, 3)
		}
		if u.Opaque != "" {
			add(u.Opaque, 3)
		}
		for _, vs := range u.Query() {
			for _, v := range vs {
				add(v, 4)
			}
		}
	}
	slices.SortFunc(out, func(a, b string) int { return cmp.Compare(len(b), len(a)) })
	return slices.Compact(out)
}

// redactErr is an error's text with every secret of the channel's address removed: libraries
// put the address (or the token, or an API URL built from it) into their errors.
func redactErr(err error, rawURL string) string {
	if err == nil {
		return ""
	}
	return scrub(err.Error(), secretsOf(rawURL))
}

func scrub(s string, secrets []string) string {
	for _, sec := range secrets {
		s = strings.ReplaceAll(s, sec, hidden)
	}
	// Addresses the library built itself (an API URL with the token in its path) or received
	// in a response.
	return urlRE.ReplaceAllStringFunc(s, Redact)
}
