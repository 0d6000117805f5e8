package feed

import (
	"strings"
	"testing"
	"time"

	"github.com/paywatch/paywatch/monitor"
)

func rss(items ...string) string {
	return `<?xml version="1.0"?><rss version="2.0"><channel><title>Pay Status</title><link>https://status.pay.example/</link>` +
		strings.Join(items, "") + `</channel></rss>`
}

func item(title, desc, date, link, guid string) string {
	s := "<item><title>" + title + "</title><description>" + desc + "</description><pubDate>" + date + "</pubDate>"
	if link != "" {
		s += "<link>" + link + "</link>"
	}
	if guid != "" {
		s += "<guid>" + guid + "</guid>"
	}
	return s + "</item>"
}

// TestGrouping: the items of one incident are one incident, identified as its publisher does,
// and its newest item says how it stands.
func TestGrouping(t *testing.T) {
	const (
		t1 = "Mon, 02 Mar 2026 10:00:00 +0000"
		t2 = "Mon, 02 Mar 2026 11:00:00 +0000"
		t3 = "Mon, 02 Mar 2026 12:00:00 +0000"
	)
	tests := []struct {
		name      string
		body      string
		incidents int
		resolved  int
		title     string
	}{
		{"#N guid suffixes (Better Stack)", rss(
			item("Card payments failing", "Resolved. All payments go through.", t3, "", "https://status.pay.example/incident/7#3"),
			item("Card payments failing", "We found the cause.", t2, "", "https://status.pay.example/incident/7#2"),
			item("Card payments failing", "We are looking into failing payments.", t1, "", "https://status.pay.example/incident/7#1"),
		), 0, 1, "Card payments failing"},
		{"shared link", rss(
			item("Checkout errors", "We are investigating.", t1, "https://status.pay.example/i/9", "a"),
			item("Checkout errors", "Checkout is back to normal.", t2, "https://status.pay.example/i/9", "b"),
		), 0, 1, "Checkout errors"},
		{"Update: prefixes and title suffixes", rss(
			item("Update: Payout delays", "Payouts are delayed by an hour.", t2, "", "x2"),
			item("Payout delays", "Payouts are delayed.", t1, "", "x1"),
			item("Payout delays resolved", "All payouts sent.", t3, "", "x3"),
		), 0, 1, "Payout delays"},
		{"newest item reopens", rss(
			item("[Resolved] Login failures", "Fixed.", t1, "", "l1"),
			item("[Investigating] Login failures", "Failures are back.", t2, "", "l2"),
		), 1, 0, "Login failures"},
		{"the page's own link on every item is not an incident's", rss(
			item("API errors", "Investigating.", t1, "https://status.pay.example/", "g1"),
			item("Dashboard slow", "Investigating.", t2, "https://status.pay.example/", "g2"),
		), 2, 0, "API errors"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := ParseWith(strings.NewReader(tt.body), Options{Now: time.Date(2026, 3, 2, 13, 0, 0, 0, time.UTC)})
			if err != nil {
				t.Fatal(err)
			}
			if len(r.Incidents) != tt.incidents || len(r.Resolved) != tt.resolved {
				t.Fatalf("incidents %+v, resolved %+v, want %d and %d", r.Incidents, r.Resolved, tt.incidents, tt.resolved)
			}
			var title string
			if len(r.Incidents) > 0 {
				title = r.Incidents[0].Title
			} else {
				title = r.Resolved[0].Title
			}
			if title != tt.title {
				t.Errorf("title %q, want %q", title, tt.title)
			}
		})
	}
}

// TestWordsReadInLanguages: titles and texts in the seven languages are read for resolution,
// maintenance, information and severity, and an impact read from words says so.
func TestWordsReadInLanguages(t *testing.T) {
	const d = "Mon, 02 Mar 2026 10:00:00 +0000"
	now := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		title, desc string
		want        monitor.State
		maintenance bool
	}{
		{"[Gelöst] Störung Kartenzahlungen", "Fertig.", monitor.StateOperational, false},
		{"Betriebsunterbruch E-Banking behoben", "", monitor.StateOperational, false},
		{"Geplante Wartungsarbeiten am Zahlungsverkehr", "Am Sonntag.", monitor.StateOperational, true},
		{"[Beendet] Wartungsfenster", "", monitor.StateOperational, false},
		{"[Information] Neue Funktion", "Ab heute verfügbar.", monitor.StateOperational, false},
		{"Betriebsunterbruch E-Banking", "Wir arbeiten an einer Lösung.", monitor.StateMajorOutage, false},
		{"Incident résolu : paiements par carte", "", monitor.StateOperational, false},
		{"Paiements par carte", "Le service est de nouveau disponible.", monitor.StateOperational, false},
		{"Panne partielle des paiements", "Certains clients sont touchés.", monitor.StatePartialOutage, false},
		{"Maintenance programmée", "Le 5 mars.", monitor.StateOperational, true},
		{"Pagos con tarjeta", "El problema ha sido resuelto.", monitor.StateOperational, false},
		{"Caída del servicio de pagos", "Estamos investigando.", monitor.StateMajorOutage, false},
		{"Pagamenti", "Il servizio è stato ripristinato.", monitor.StateOperational, false},
		{"Manutenzione programmata", "Domenica.", monitor.StateOperational, true},
		{"Pagamentos indisponíveis", "Estamos a investigar.", monitor.StateMajorOutage, false},
		{"Manutenção programada", "Domingo.", monitor.StateOperational, true},
		{"Storing iDEAL opgelost", "", monitor.StateOperational, false},
		{"Gepland onderhoud", "Zondag.", monitor.StateOperational, true},
		{"Storing bij iDEAL voor sommige klanten", "We onderzoeken het.", monitor.StatePartialOutage, false},
		{"Payments back to normal", "", monitor.StateOperational, false},
		{"Checkout available again", "", monitor.StateOperational, false},
		{"Webhooks recovered", "", monitor.StateOperational, false},
		{"Slow dashboard", "We are looking into it.", monitor.StateDegraded, false},
	}
	for _, tt := range tests {
		t.Run(tt.title, func(t *testing.T) {
			r, err := ParseWith(strings.NewReader(rss(item(tt.title, tt.desc, d, "", "g"))), Options{Now: now})
			if err != nil {
				t.Fatal(err)
			}
			if got, _, _ := monitor.Rollup(r, monitor.ComponentFilter{}); got != tt.want {
				t.Errorf("state %v, want %v: %+v %+v", got, tt.want, r.Incidents, r.Maintenances)
			}
			if got := len(r.Maintenances) == 1; got != tt.maintenance {
				t.Errorf("maintenance %v, want %v: %+v", got, tt.maintenance, r.Maintenances)
			}
			for _, in := range r.Incidents {
				if !strings.HasSuffix(in.Status, "(severity read from its words)") {
					t.Errorf("status %q does not say its severity was read from its words", in.Status)
				}
			}
		})
	}
}

func TestLeadLabel(t *testing.T) {
	for text, want := range map[string]string{
		"Resolved. All payments go through.":              "Resolved",
		"Resolved - This incident has been resolved.":     "Resolved",
		"Status: Resolved The incident has been resolved": "Status: Resolved",
		"Behoben": "Behoben",
		"Scheduled maintenance is currently in progress": "",
		"Resolved issues with the login page remain":     "",
		"We are investigating.":                          "",
	} {
		if got := leadLabel(text); got != want {
			t.Errorf("leadLabel(%q) = %q, want %q", text, got, want)
		}
	}
}

// TestParseNow: ParseNow applies the default age limit at the time of the call; ParseAs none.
func TestParseNow(t *testing.T) {
	old := rss(item("Payments failing", "We are investigating.", "Mon, 01 Jan 2024 09:00:00 +0000", "", "g"))
	r, err := ParseNow(strings.NewReader(old), Auto)
	if err != nil || len(r.Incidents) != 0 {
		t.Errorf("ParseNow: incidents %+v, err %v; want none open", r.Incidents, err)
	}
	r, err = ParseAs(strings.NewReader(old), Auto)
	if err != nil || len(r.Incidents) != 1 {
		t.Errorf("ParseAs: incidents %+v, err %v; want the item open", r.Incidents, err)
	}
}
