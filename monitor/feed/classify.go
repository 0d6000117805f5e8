package feed

import (
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode"

	"github.com/paywatch/paywatch/internal/wording"
	"github.com/paywatch/paywatch/monitor"
)

// wordsNote ends the status of an incident whose impact was read from its words, the feed
// stating none.
const wordsNote = " (severity read from its words)"

func knownStatus(word string) bool { return wording.Label(word) != wording.Unknown }

// titleStatus splits status labels off the start of a title: "Resolved: Card payments failing"
// → ("Resolved", "Card payments failing"); "[Gelöst] …", "Mitigated - …" and "Update: …" too.
// AWS stacks two ("Service is operating normally: [RESOLVED] …"): the first is the status,
// both go. A title that starts with no known label comes back whole.
func titleStatus(title string) (status, rest string) {
	rest = strings.TrimSpace(title)
	for range 3 {
		s, r := cutStatus(rest)
		if s == "" || r == "" {
			break
		}
		if status == "" {
			status = s
		}
		rest = r
	}
	return status, rest
}

func cutStatus(t string) (status, rest string) {
	if strings.HasPrefix(t, "[") || strings.HasPrefix(t, "(") {
		closer := "]"
		if t[0] == '(' {
			closer = ")"
		}
		if i := strings.Index(t, closer); i > 0 && knownStatus(t[1:i]) {
			return strings.TrimSpace(t[1:i]), strings.TrimSpace(strings.TrimLeft(t[i+1:], " -–—:|"))
		}
	}
	for _, sep := range []string{":", " - ", " – ", " — ", " | "} {
		if i := strings.Index(t, sep); i > 0 && knownStatus(t[:i]) {
			return strings.TrimSpace(t[:i]), unquote(strings.TrimSpace(t[i+len(sep):]))
		}
	}
	// A label before a quoted title: `Update for incident "Checkout errors"` (Nunc).
	if i := strings.IndexAny(t, "\"“«"); i > 0 && knownStatus(t[:i]) {
		return strings.TrimSpace(t[:i]), unquote(strings.TrimSpace(t[i:]))
	}
	return "", t
}

// unquote takes the quotes off a title that is all quote: `"Checkout errors"`.
func unquote(s string) string {
	r := []rune(s)
	if len(r) >= 2 && strings.ContainsRune("\"“«", r[0]) && strings.ContainsRune("\"”»", r[len(r)-1]) {
		return strings.TrimSpace(string(r[1 : len(r)-1]))
	}
	return s
}

// spanSummary matches the summary some pages post once an incident is over, naming its span:
// "From 7:12 AM to 4:50 PM PST some users…", "Between 5:14 AM and 11:38 AM PST, …".
var spanSummary = regexp.MustCompile(`(?i)^\s*(from|between)\s+\d{1,2}(:\d{2})?\s*([ap]\.?m\.?)?\s*(\w{2,5}\s+)?(to|and|until)\s+\d{1,2}(:\d{2})?\s*([ap]\.?m\.?)?\b`)

// AWS states an event's severity in its title prefix.
var awsSeverity = map[string]monitor.State{
	"service disruption":    monitor.StateMajorOutage,
	"service impact":        monitor.StatePartialOutage,
	"performance issues":    monitor.StateDegraded,
	"informational message": monitor.StateDegraded,
	"information":           monitor.StateDegraded,
}

// keywordImpact is the impact of an open incident described by text (wording.Impact).
func keywordImpact(text string) monitor.State { return wording.Impact(text) }

// words lower-cases s and reduces it to its words, each followed by a space.
func words(s string) string {
	var b strings.Builder
	for _, f := range strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	}) {
		b.WriteString(f)
		b.WriteByte(' ')
	}
	return b.String()
}

// classifier sorts the newest item of each incident into the report.
type classifier struct {
	fl     Flavor
	newest time.Time // the newest entry of the feed
	now    time.Time
	maxAge time.Duration // 0: no age limit
}

// What an entry turned out to be.
type kind int

const (
	kindIncident kind = iota
	kindClosed
	kindAhead
	kindUnderway
	kindInfo
)

// kindOf applies ParseWith's rules 1 to 3.
func (c classifier) kindOf(e entry, title string) kind {
	text := e.rawTitle + ". " + e.update
	maint := wording.IsMaintenance(title) || wording.IsMaintenance(e.rawTitle)
	sense := wording.Label(e.label)
	if c.fl == AWS && sense != wording.Closed &&
		(strings.Contains(strings.ToUpper(e.rawTitle), "[RESOLVED]") || wording.SaysResolved(e.update)) {
		return kindClosed
	}
	switch sense {
	case wording.Closed:
		return kindClosed
	case wording.Open:
		return kindIncident
	case wording.Ahead:
		return kindAhead
	case wording.Underway:
		if maint || c.fl == History || c.fl == PayPal {
			return kindUnderway
		}
		return kindIncident
	case wording.Information:
		if c.fl == AWS {
			return kindIncident // AWS lists current events; its informational ones count, as degraded
		}
		if maint {
			return c.maintenance(text)
		}
		return kindInfo
	}
	if wording.SaysResolved(text) || spanSummary.MatchString(e.update) {
		return kindClosed
	}
	if maint {
		return c.maintenance(text)
	}
	return kindIncident
}

func (c classifier) maintenance(text string) kind {
	if c.fl == AWS || c.fl == Azure || wording.SaysUnderway(text) {
		return kindUnderway // these feeds list current events only
	}
	return kindAhead
}

// classify adds the newest item of one incident to the report as an open incident, a
// maintenance or a recently closed incident (see ParseWith).
func (c classifier) classify(rep *monitor.Report, e entry) {
	title := e.title
	if title == "" {
		title = e.rawTitle
	}
	if title == "" {
		title = firstWords(e.update, 12)
	}
	if title == "" {
		title = "Status update"
	}
	k := c.kindOf(e, title)
	status := strings.ToLower(e.label)

	stale := c.maxAge > 0 && c.fl != Azure && !e.updated.IsZero() && e.updated.Before(c.now.Add(-c.maxAge))
	if stale && k == kindUnderway {
		return // maintenance said to be under way a week ago and never since: over
	}
	if stale && k == kindIncident {
		in := e.incident(title, fmt.Sprintf("no longer counted as open: no update for %s", monitor.HumanDuration(c.maxAge)), monitor.StateDegraded)
		in.ResolvedAt = e.updated.Add(c.maxAge)
		if in.ResolvedAt.After(c.now.Add(-ResolvedWindow)) {
			rep.Resolved = append(rep.Resolved, in)
		}
		return
	}
	switch k {
	case kindInfo:
	case kindClosed:
		if wording.IsMaintenance(title) || e.updated.IsZero() || e.updated.Before(c.newest.Add(-ResolvedWindow)) {
			return
		}
		if status == "" {
			status = "resolved"
		}
		in := e.incident(title, status, keywordImpact(e.rawTitle+". "+e.update))
		in.ResolvedAt = e.updated
		rep.Resolved = append(rep.Resolved, in)
	case kindAhead, kindUnderway:
		m := monitor.Maintenance{
			ID: e.key, Title: title, Status: status, InProgress: k == kindUnderway,
			URL: e.link, Components: e.components(),
		}
		if sense := wording.Label(e.label); sense != wording.Ahead && sense != wording.Underway {
			m.Status = ""
		}
		if m.Status == "" {
			m.Status = "scheduled"
			if m.InProgress {
				m.Status = "in progress"
			}
		}
		rep.Maintenances = append(rep.Maintenances, m)
	default:
		if status == "" {
			status = "open"
		}
		if s, ok := awsSeverity[strings.ToLower(e.prefix)]; ok && c.fl == AWS {
			rep.Incidents = append(rep.Incidents, e.incident(title, status, s))
			return
		}
		rep.Incidents = append(rep.Incidents, e.incident(title, status+wordsNote, keywordImpact(e.rawTitle+". "+e.update)))
	}
}
