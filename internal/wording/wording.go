// Package wording reads what status posts say in words: whether an incident is over, whether a
// post is maintenance or only information, and how bad an outage its words describe. Feeds
// carry no severity and often no status field, so their titles and texts are all there is.
//
// Every phrase lives in one table (table.go), one row per meaning and language; adding a
// language or a wording is adding a row or a phrase. Phrases are matched on whole words, case
// and accents as written; a phrase ending in "*" matches any word starting with it
// ("wartung*" matches "Wartungsarbeiten").
package wording

import (
	"strings"
	"unicode"

	"github.com/paywatch/paywatch/monitor"
)

// Sense is what a phrase says about a post.
type Sense int

// The senses. The first six are status labels: the word a page puts before or after a title
// ("[Gelöst] …", "Resolved: …", "… resolved") or in an update's <strong>.
const (
	Unknown     Sense = iota
	Closed            // over: resolved, completed, cancelled
	Open              // an incident being worked on
	Neutral           // an update that does not say how things stand
	Ahead             // maintenance that has not started
	Underway          // maintenance in progress
	Information       // a notice, neither incident nor maintenance
	// The rest are read anywhere in a text.
	Resolved    // prose that says the problem is over
	Ongoing     // prose that says part of it is not ("except", "still working on")
	Maintenance // a title that names planned work
	Started     // prose that says planned work is under way
	Outage      // something is down
	Disruption  // something is disrupted: a partial outage at most
	Major       // everything is down
	Limited     // only some of it
	Guard       // a word that turns the resolved phrase after it into a wish ("not", "once", "will")
)

var senseNames = [...]string{"unknown", "closed", "open", "neutral", "ahead", "underway", "information",
	"resolved", "ongoing", "maintenance", "started", "outage", "disruption", "major", "limited", "guard"}

func (s Sense) String() string {
	if s < 0 || int(s) >= len(senseNames) {
		return "sense(?)"
	}
	return senseNames[s]
}

// phrase is one table phrase split into words.
type phrase struct {
	words  []string
	prefix bool // the last word matches as a prefix
}

type compiled struct {
	labels map[string]Sense // whole labels, normalised
	prose  map[Sense][]phrase
}

var tbl = compile()

func compile() compiled {
	c := compiled{labels: map[string]Sense{}, prose: map[Sense][]phrase{}}
	for _, row := range table {
		for _, p := range row.phrases {
			if row.sense <= Information {
				c.labels[strings.Join(split(p), " ")] = row.sense
				continue
			}
			ph := phrase{words: split(strings.TrimSuffix(p, "*")), prefix: strings.HasSuffix(p, "*")}
			c.prose[row.sense] = append(c.prose[row.sense], ph)
		}
	}
	return c
}

// split lower-cases s and cuts it into words: letters and digits, with apostrophes inside.
func split(s string) []string {
	s = strings.ReplaceAll(strings.ToLower(s), "’", "'")
	w := strings.FieldsFunc(s, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '\''
	})
	out := w[:0]
	for _, x := range w {
		// Quotes around a word are not part of it: "is now 'resolved'".
		if x = strings.Trim(x, "'"); x != "" {
			out = append(out, x)
		}
	}
	return out
}

// Label reads a status label ("Resolved", "[Gelöst]", "Mise à jour", "Initial Notification").
// Anything that is not a whole label in the table is Unknown.
//
// A leading "Status" is passed over ("Status: Resolved", incident.io's and Better Stack's form).
func Label(s string) Sense {
	w := split(s)
	if len(w) > 1 && statusWords[w[0]] {
		w = w[1:]
	}
	if len(w) == 0 || len(w) > 5 {
		return Unknown
	}
	return tbl.labels[strings.Join(w, " ")]
}

// statusWords lead a label without being part of it ("Status: Resolved", "Statut : Résolu").
var statusWords = map[string]bool{"status": true, "statut": true, "estado": true, "stato": true, "state": true}

// Suffix reads a status label at the end of a title ("File uploads resolved", "Card payments –
// back to normal", "Wartung (beendet)") and returns it with the rest of the title. A title that
// is all label, or ends in none, comes back whole with Unknown.
func Suffix(title string) (Sense, string) {
	t := strings.TrimSpace(title)
	t = strings.TrimRight(t, " .!)]")
	for n := 4; n >= 1; n-- {
		cut := cutLastWords(t, n)
		if cut < 0 {
			continue
		}
		tail := t[cut:]
		if s := Label(tail); s != Unknown && s != Neutral {
			rest := strings.TrimRight(strings.TrimSpace(t[:cut]), " -–—:,([")
			if rest == "" || len(split(rest)) == 0 {
				return Unknown, title
			}
			return s, rest
		}
	}
	return Unknown, title
}

// cutLastWords returns the byte offset where the last n words of s begin, or -1 when s has
// fewer than n+1 words (a suffix needs something before it).
func cutLastWords(s string, n int) int {
	isWord := func(r rune) bool {
		return unicode.IsLetter(r) || unicode.IsDigit(r) || r == '\'' || r == '’' || r == '-'
	}
	rs := []rune(s)
	i := len(rs)
	for k := 0; k < n; k++ {
		for i > 0 && !isWord(rs[i-1]) {
			i--
		}
		if i == 0 {
			return -1
		}
		for i > 0 && isWord(rs[i-1]) {
			i--
		}
	}
	if len(split(string(rs[:i]))) == 0 {
		return -1
	}
	return len(string(rs[:i]))
}

// find reports whether text, split into words, holds p, and where each match starts.
func (p phrase) matchAt(w []string, i int) bool {
	if i+len(p.words) > len(w) {
		return false
	}
	for j, pw := range p.words {
		if j == len(p.words)-1 && p.prefix {
			if !strings.HasPrefix(w[i+j], pw) {
				return false
			}
			continue
		}
		if w[i+j] != pw {
			return false
		}
	}
	return true
}

func has(w []string, s Sense) bool {
	for _, p := range tbl.prose[s] {
		for i := range w {
			if p.matchAt(w, i) {
				return true
			}
		}
	}
	return false
}

// guarded reports whether one of the few words before position i turns what follows into a
// wish or a denial ("not yet resolved", "once restored", "sobald behoben").
func guarded(w []string, i int) bool {
	for j := max(0, i-3); j < i; j++ {
		for _, g := range tbl.prose[Guard] {
			if g.matchAt(w, j) {
				return true
			}
		}
	}
	return false
}

// SaysResolved reports whether text says, in prose, that the problem is over ("has been
// resolved", "is back to normal", "wieder verfügbar", "a été résolu"), not merely that it will be,
// and not only in part ("all models except one are available again; we are still working on it").
func SaysResolved(text string) bool {
	w := split(text)
	if has(w, Ongoing) {
		return false
	}
	for _, p := range tbl.prose[Resolved] {
		for i := range w {
			if p.matchAt(w, i) && !guarded(w, i) {
				return true
			}
		}
	}
	return false
}

// IsMaintenance reports whether a title names planned work ("Scheduled maintenance",
// "Geplante Wartungsarbeiten", "Travaux de maintenance"). Only titles are read: an incident's
// update may well mention maintenance.
func IsMaintenance(title string) bool { return has(split(title), Maintenance) }

// SaysUnderway reports whether text says planned work is going on now.
func SaysUnderway(text string) bool { return has(split(text), Started) }

// Impact is the state an open incident's words describe, where the page states none:
//
//   - a phrase of total failure ("major outage", "Totalausfall", "panne générale") → major outage;
//   - an outage word ("down", "unavailable", "Ausfall", "panne", "caída", "interruzione",
//     "indisponível", "storing") → partial outage when the text also limits it ("some",
//     "partial", "einige", "certains", "algunos", "alcuni", "alguns", "sommige"), else major
//     outage;
//   - a disruption word ("disruption", "Störung", "perturbation", "verstoring") → partial outage;
//   - otherwise degraded: the page says something is wrong, not how much.
//
// Words are matched whole ("slowdown" is not "down"). Negations are not understood.
func Impact(text string) monitor.State {
	w := split(text)
	switch {
	case has(w, Major):
		return monitor.StateMajorOutage
	case has(w, Outage):
		if has(w, Limited) {
			return monitor.StatePartialOutage
		}
		return monitor.StateMajorOutage
	case has(w, Disruption):
		return monitor.StatePartialOutage
	}
	return monitor.StateDegraded
}
