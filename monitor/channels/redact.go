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

// Redact shows a channel address without its secrets, for logs, the tray and `paywatch status`:
// the scheme, host and port stay; user names and passwords, path segments that look like
// tokens (Slack, Discord, Teams and Telegram tokens, ids, long random strings) and every query
// value become "…". An ntfy topic is its password, so ntfy paths are hidden whole. An address
// that does not parse shows as its scheme only.
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
	var b strings.Builder
	b.WriteString(u.Scheme)
	if u.Opaque != "" {
		b.WriteString(":" + hidden)
		return b.String()
	}
	b.WriteString("://")
	if u.User != nil {
		b.WriteString(hidden + "@")
	}
	b.WriteString(u.Host)
	wholePath := hidesWholePath(u.Scheme)
	for i, seg := range strings.Split(u.EscapedPath(), "/") {
		if i == 0 {
			continue // the empty string before the leading slash
		}
		b.WriteByte('/')
		if seg != "" && (wholePath || looksSecret(seg)) {
			seg = hidden
		}
		b.WriteString(seg)
	}
	if u.RawQuery != "" || u.ForceQuery {
		b.WriteByte('?')
		for i, kv := range strings.Split(u.RawQuery, "&") {
			if i > 0 {
				b.WriteByte('&')
			}
			k, _, _ := strings.Cut(kv, "=")
			if looksSecret(k) {
				k = hidden
			}
			b.WriteString(k + "=" + hidden)
		}
	}
	if u.Fragment != "" {
		b.WriteString("#" + hidden)
	}
	return b.String()
}

var (
	schemeRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*$`)
	// urlRE finds addresses inside error text, where libraries quote the URL they were given.
	urlRE = regexp.MustCompile(`[A-Za-z][A-Za-z0-9+.-]*://[^\s"'<>` + "`" + `]+`)
)

// hidesWholePath reports services whose path is a secret however plain it looks.
func hidesWholePath(scheme string) bool {
	s, _, _ := strings.Cut(strings.ToLower(scheme), "+")
	return s == "ntfy"
}

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
		wholePath := hidesWholePath(u.Scheme)
		for seg := range strings.SplitSeq(u.Path, "/") {
			if seg != "" && (wholePath || looksSecret(seg)) {
				add(seg, 3)
			}
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
