package monitor

import (
	"html"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Caps on text that comes from status pages and websites, in runes. Page text is cleaned and
// capped once, where it enters (the tracker's Observe) and where the tracker reports reasons
// made of it, so that every output (terminal, JSON, log, notification, channel) shows the same
// text; each sink then escapes it for its own syntax.
const (
	// MaxPageLine caps a title, a name, a status word or a reason.
	MaxPageLine = 200
	// MaxPageText caps an incident's latest update.
	MaxPageText = 1000
)

// PageLine is page text for one line: cleaned (Sanitize) and capped at MaxPageLine.
func PageLine(s string) string { return Sanitize(s, MaxPageLine) }

// PageText is page text of several lines (an incident's update): each line cleaned as
// Sanitize does, blank lines between paragraphs kept (one at most), the whole capped at
// MaxPageText.
func PageText(s string) string {
	if !strings.Contains(s, "\n") {
		return Sanitize(s, MaxPageText) // one line: the same, without splitting it
	}
	var lines []string
	blank := false
	for l := range strings.SplitSeq(strings.ReplaceAll(s, "\r\n", "\n"), "\n") {
		l = Sanitize(l, 0)
		if l == "" {
			blank = len(lines) > 0
			continue
		}
		if blank {
			lines = append(lines, "")
		}
		blank = false
		lines = append(lines, l)
	}
	out := strings.Join(lines, "\n")
	if utf8.RuneCountInString(out) > MaxPageText {
		out = strings.TrimSpace(string([]rune(out)[:MaxPageText-1])) + "…"
	}
	return out
}

// cleaned is the report with every text that comes from the page cleaned and capped. What
// cleaning leaves as it was is shared with r, not copied: a page's text is almost always clean
// already, and a report is never modified once made (see Report), so a slice is copied only
// when one of its elements has to change.
func (r Report) cleaned() Report {
	r.PageName = PageLine(r.PageName)
	r.Components = cleanEach(r.Components, func(c *Component) bool {
		return cleanTexts(PageLine, &c.Name, &c.Group)
	})
	r.Incidents = cleanIncidents(r.Incidents)
	r.Resolved = cleanIncidents(r.Resolved)
	r.Maintenances = cleanEach(r.Maintenances, func(m *Maintenance) bool {
		return cleanTexts(PageLine, &m.Title, &m.Status)
	})
	if r.Probe != nil {
		p := *r.Probe
		if cleanTexts(PageLine, &p.Verdict, &p.Reason) {
			r.Probe = &p
		}
	}
	return r
}

func cleanIncidents(in []Incident) []Incident {
	return cleanEach(in, func(x *Incident) bool {
		published := x.LatestUpdate
		changed := cleanTexts(PageLine, &x.Title, &x.Status)
		if cleanTexts(PageText, &x.LatestUpdate) {
			if x.Published == "" {
				x.Published = published // as published, for the history's evidence
			}
			changed = true
		}
		return changed
	})
}

// cleanTexts cleans each of texts with clean and reports whether that changed any.
func cleanTexts(clean func(string) string, texts ...*string) bool {
	changed := false
	for _, s := range texts {
		if c := clean(*s); c != *s {
			*s, changed = c, true
		}
	}
	return changed
}

// cleanEach cleans a copy of each element of in with clean, which reports whether it changed
// anything, and returns in itself when nothing changed, else a new slice with the cleaned
// elements. A clean text comes back from PageLine and PageText as the very same string, so an
// element with nothing to clean costs neither an allocation nor a copy of its text.
func cleanEach[T any](in []T, clean func(*T) bool) []T {
	var out []T
	for i := range in {
		x := in[i]
		if clean(&x) && out == nil {
			out = slices.Clone(in)
		}
		if out != nil {
			out[i] = x
		}
	}
	if out == nil {
		return in
	}
	return out
}

// Sanitize makes untrusted status-page text safe for a notification: markup and control
// characters removed, entities decoded, whitespace collapsed, length capped (in runes). Text
// that is clean already comes back as it is, without a copy.
func Sanitize(s string, max int) string {
	if isClean(s, max) {
		return s
	}
	s = stripTags(s)
	// Entities can spell markup ("&lt;b&gt;"); once decoded it is stripped like any other, as
	// some notification daemons render a subset of HTML.
	s = stripTags(html.UnescapeString(s))
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || isInvisible(r) {
			return ' '
		}
		return r
	}, s)
	s = strings.Join(strings.Fields(s), " ")
	if max > 0 && utf8.RuneCountInString(s) > max {
		s = strings.TrimSpace(string([]rune(s)[:max-1])) + "…"
	}
	return s
}

// isClean reports whether Sanitize would give s back as it is: valid UTF-8 with no markup, no
// entity, no control or invisible character, single plain spaces between words only, and at
// most max runes (when max > 0).
func isClean(s string, max int) bool {
	n, space := 0, true // space: the rune before was a space (or this is the start)
	for _, r := range s {
		n++
		switch {
		case r == '<' || r == '&' || r == utf8.RuneError:
			// A RuneError may stand for invalid UTF-8, which strings.Map rewrites.
			return false
		case r == ' ':
			if space {
				return false
			}
			space = true
		case r < utf8.RuneSelf && r > ' ' && r != 0x7f:
			space = false
		case unicode.IsSpace(r) || unicode.IsControl(r) || isInvisible(r):
			return false
		default:
			space = false
		}
	}
	return (!space || n == 0) && (max <= 0 || n <= max)
}

// stripTags replaces each piece of markup, a "<" up to the first ">" after it, by a space (the
// regular expression `(?s)<[^>]*>`, without one).
func stripTags(s string) string {
	i := strings.IndexByte(s, '<')
	if i < 0 {
		return s
	}
	var b strings.Builder
	for i >= 0 {
		j := strings.IndexByte(s[i+1:], '>')
		if j < 0 {
			break // no markup can start here or later
		}
		b.WriteString(s[:i])
		b.WriteByte(' ')
		s = s[i+1+j+1:]
		i = strings.IndexByte(s, '<')
	}
	b.WriteString(s)
	return b.String()
}

// isInvisible reports zero-width and text-direction characters, which can hide or reorder text.
func isInvisible(r rune) bool {
	switch {
	case r == '\u200b', r == '\u200e', r == '\u200f', r == '\u2060', r == '\ufeff':
		return true
	case r >= '\u202a' && r <= '\u202e', r >= '\u2066' && r <= '\u2069':
		return true
	}
	return false
}
