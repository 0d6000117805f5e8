package monitor

import (
	"html"
	"regexp"
	"slices"
	"strings"
	"unicode"
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
	if r := []rune(out); len(r) > MaxPageText {
		out = strings.TrimSpace(string(r[:MaxPageText-1])) + "…"
	}
	return out
}

// cleaned is the report with every text that comes from the page cleaned and capped.
func (r Report) cleaned() Report {
	r.PageName = PageLine(r.PageName)
	r.Components = slices.Clone(r.Components)
	for i := range r.Components {
		c := &r.Components[i]
		c.Name, c.Group = PageLine(c.Name), PageLine(c.Group)
	}
	r.Incidents = cleanIncidents(r.Incidents)
	r.Resolved = cleanIncidents(r.Resolved)
	r.Maintenances = slices.Clone(r.Maintenances)
	for i := range r.Maintenances {
		m := &r.Maintenances[i]
		m.Title, m.Status = PageLine(m.Title), PageLine(m.Status)
	}
	if r.Probe != nil {
		p := *r.Probe
		p.Verdict, p.Reason = PageLine(p.Verdict), PageLine(p.Reason)
		r.Probe = &p
	}
	return r
}

func cleanIncidents(in []Incident) []Incident {
	in = slices.Clone(in)
	for i := range in {
		x := &in[i]
		x.Title, x.Status = PageLine(x.Title), PageLine(x.Status)
		if x.Published == "" {
			x.Published = x.LatestUpdate // as published, for the history's evidence
		}
		x.LatestUpdate = PageText(x.LatestUpdate)
	}
	return in
}

var tagRE = regexp.MustCompile(`(?s)<[^>]*>`)

// Sanitize makes untrusted status-page text safe for a notification: markup and control
// characters removed, entities decoded, whitespace collapsed, length capped (in runes).
func Sanitize(s string, max int) string {
	s = tagRE.ReplaceAllString(s, " ")
	// Entities can spell markup ("&lt;b&gt;"); once decoded it is stripped like any other, as
	// some notification daemons render a subset of HTML.
	s = tagRE.ReplaceAllString(html.UnescapeString(s), " ")
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || isInvisible(r) {
			return ' '
		}
		return r
	}, s)
	s = strings.Join(strings.Fields(s), " ")
	if max > 0 {
		if r := []rune(s); len(r) > max {
			s = strings.TrimSpace(string(r[:max-1])) + "…"
		}
	}
	return s
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
