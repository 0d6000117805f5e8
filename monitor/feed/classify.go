package feed

import (
	"strings"
	"unicode"

	"github.com/paywatch/paywatch/monitor"
)

// What an entry's status word says about it.
type phase int

const (
	phaseUnknown     phase = iota
	phaseOpen              // an incident being worked on
	phaseNeutral           // an update that does not say whether it is an incident or maintenance
	phaseClosed            // over
	phaseAhead             // maintenance that has not started
	phaseMaintenance       // maintenance in progress
)

// statusWords are the status words of the feeds we read, lower case: the <strong> of Statuspage,
// Instatus and incident.io updates, PayPal's title prefixes ("Resolved: …"), Better Stack's
// "[Resolved] …", Azure's "Mitigated" and AWS's "Service is operating normally: …".
var statusWords = map[string]phase{
	"resolved":                      phaseClosed,
	"completed":                     phaseClosed,
	"complete":                      phaseClosed,
	"postmortem":                    phaseClosed,
	"post-incident review":          phaseClosed,
	"cancelled":                     phaseClosed,
	"canceled":                      phaseClosed,
	"mitigated":                     phaseClosed,
	"closed":                        phaseClosed,
	"service is operating normally": phaseClosed,
	"scheduled":                     phaseAhead,
	"postponed":                     phaseAhead,
	"rescheduled":                   phaseAhead,
	"upcoming":                      phaseAhead,
	"in progress":                   phaseMaintenance,
	"verifying":                     phaseMaintenance,
	"investigating":                 phaseOpen,
	"identified":                    phaseOpen,
	"monitoring":                    phaseOpen,
	"active":                        phaseOpen,
	"update":                        phaseNeutral,
	"updated":                       phaseNeutral,
	"initial notification":          phaseNeutral,
	"notification":                  phaseNeutral,
	"informational message":         phaseNeutral,
	"information":                   phaseNeutral,
	"service disruption":            phaseNeutral,
	"service impact":                phaseNeutral,
	"performance issues":            phaseNeutral,
}

func statusPhase(word string) phase {
	return statusWords[strings.ToLower(collapse(word))]
}

func knownStatus(word string) bool { return statusPhase(word) != phaseUnknown }

// titleStatus splits status prefixes off a title: "Resolved: Card payments failing" →
// ("Resolved", "Card payments failing"); "[Resolved] …" and "Mitigated - …" too. AWS stacks
// two ("Service is operating normally: [RESOLVED] …"): the first is the status, both go. A title
// that starts with no known status word comes back whole.
func titleStatus(title string) (status, rest string) {
	rest = strings.TrimSpace(title)
	for range 3 {
		s, r := cutStatus(rest)
		if s == "" {
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
	if strings.HasPrefix(t, "[") {
		if i := strings.Index(t, "]"); i > 0 && knownStatus(t[1:i]) {
			return strings.TrimSpace(t[1:i]), strings.TrimSpace(strings.TrimLeft(t[i+1:], " -–—:"))
		}
	}
	for _, sep := range []string{":", " - ", " – ", " — "} {
		if i := strings.Index(t, sep); i > 0 && knownStatus(t[:i]) {
			return strings.TrimSpace(t[:i]), strings.TrimSpace(t[i+len(sep):])
		}
	}
	return "", t
}

// AWS states an event's severity in its title prefix.
var awsSeverity = map[string]monitor.State{
	"service disruption":    monitor.StateMajorOutage,
	"service impact":        monitor.StatePartialOutage,
	"performance issues":    monitor.StateDegraded,
	"informational message": monitor.StateDegraded,
	"information":           monitor.StateDegraded,
}

// Keyword severity. Feeds carry no severity, so an open incident's impact comes from the words of
// its title and latest update:
//
//   - "major outage", "full outage", "complete outage", "total outage" → major outage;
//   - an outage word ("outage", "down", "unavailable", "inaccessible", "unreachable",
//     "not available", "disruption", "unable to") → partial outage when the text also limits it
//     ("partial", "minor", "some", "certain", "subset", "few", "limited", "intermittent", …),
//     else major outage;
//   - a slowness or error word ("degraded", "delay", "slow", "latency", "intermittent",
//     "elevated errors", "increased error rates", "timeouts", …) → degraded;
//   - anything else still open → degraded: the page says something is wrong, not how much.
//
// Words are matched whole ("slowdown" is not "down"). Negations are not understood.
var (
	majorPhrases   = []string{"major outage", "full outage", "complete outage", "total outage", "widespread outage"}
	outagePhrases  = []string{"outage", "outages", "down", "unavailable", "inaccessible", "unreachable", "not available", "not accessible", "disruption", "disruptions", "disrupted", "unable to", "cannot access", "can't access", "not working"}
	limitPhrases   = []string{"partial", "partially", "minor", "small", "some", "subset", "certain", "few", "limited", "intermittent", "intermittently", "a number of", "a small number", "minority", "select", "specific"}
	degradedPhrase = []string{"degraded", "degradation", "delay", "delays", "delayed", "slow", "slower", "slowness", "latency", "intermittent", "intermittently", "elevated errors", "elevated error", "increased error", "increased errors", "error rates", "errors", "timeouts", "timeout", "performance"}
	// Maintenance is read from titles only: an incident's update may well mention maintenance.
	maintPhrases    = []string{"maintenance", "maintenances", "planned work", "scheduled work", "planned downtime", "scheduled downtime", "maintenance window"}
	underwayPhrases = []string{"in progress", "underway", "under way", "has started", "have started", "has begun", "have begun", "is ongoing", "now performing", "are performing", "is being performed", "currently performing", "currently undergoing"}
	// resolvedPhrases close an AWS event whose title has not said so yet.
	resolvedPhrases = []string{"has been resolved", "have been resolved", "is now resolved", "are now resolved", "has been fully resolved", "have been fully resolved", "been mitigated and resolved"}
)

// words lower-cases s and reduces it to its words, each surrounded by spaces, so that a phrase
// is found with strings.Contains(w, " "+phrase+" ").
func words(s string) string {
	var b strings.Builder
	b.WriteByte(' ')
	for _, f := range strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '\'' && r != '’'
	}) {
		b.WriteString(strings.ReplaceAll(f, "’", "'"))
		b.WriteByte(' ')
	}
	return b.String()
}

func hasAny(w string, phrases []string) bool {
	for _, p := range phrases {
		if strings.Contains(w, " "+p+" ") {
			return true
		}
	}
	return false
}

// keywordImpact is the impact of an open incident described by text (see the comment above).
func keywordImpact(text string) monitor.State {
	w := words(text)
	switch {
	case hasAny(w, majorPhrases):
		return monitor.StateMajorOutage
	case hasAny(w, outagePhrases):
		if hasAny(w, limitPhrases) {
			return monitor.StatePartialOutage
		}
		return monitor.StateMajorOutage
	case hasAny(w, degradedPhrase):
		return monitor.StateDegraded
	}
	return monitor.StateDegraded
}

func looksLikeMaintenance(title string) bool { return hasAny(words(title), maintPhrases) }

func saysUnderway(text string) bool { return hasAny(words(text), underwayPhrases) }

func saysResolved(text string) bool { return hasAny(words(text), resolvedPhrases) }
