package monitor

import (
	"slices"
	"strings"
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
		x.LatestUpdate = PageText(x.LatestUpdate)
	}
	return in
}
