package wording

import (
	"testing"

	"github.com/paywatch/paywatch/monitor"
)

func TestTableHasNoClashes(t *testing.T) {
	seen := map[string]Sense{}
	langs := map[Sense]map[string]bool{}
	for _, row := range table {
		if langs[row.sense] == nil {
			langs[row.sense] = map[string]bool{}
		}
		langs[row.sense][row.lang] = true
		if row.sense > Information {
			continue
		}
		for _, p := range row.phrases {
			k := Label(p)
			if k != row.sense {
				t.Errorf("label %q (%s) reads as %v, want %v", p, row.lang, k, row.sense)
			}
			if s, ok := seen[p]; ok && s != row.sense {
				t.Errorf("label %q is both %v and %v", p, s, row.sense)
			}
			seen[p] = row.sense
		}
	}
	for s := Closed; s <= Guard; s++ {
		for _, lang := range []string{"en", "de", "fr", "es", "it", "pt", "nl"} {
			if !langs[s][lang] {
				t.Errorf("no %v phrases in %s", s, lang)
			}
		}
	}
}

func TestLabel(t *testing.T) {
	tests := map[string]Sense{
		"Resolved": Closed, "[Gelöst]": Closed, "Beendet": Closed, "Ended": Closed, "résolu": Closed,
		"Resuelto": Closed, "Risolto": Closed, "Resolvido": Closed, "Opgelost": Closed, "Mitigated": Closed,
		"Investigating": Open, "Identified": Open, "Wird untersucht": Open,
		"Update": Neutral, "Mise à jour": Neutral, "Initial Notification": Neutral,
		"Scheduled": Ahead, "Geplant": Ahead, "Postponed": Ahead,
		"In progress": Underway, "In corso": Underway, "Verifying": Underway,
		"Information": Information, "Hinweis": Information, "Avis": Information, "Informational message": Information,
		"Note": Unknown, "Impact:": Unknown, "": Unknown, "THIS IS A SCHEDULED EVENT": Unknown,
	}
	for in, want := range tests {
		if got := Label(in); got != want {
			t.Errorf("Label(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestSuffix(t *testing.T) {
	tests := []struct {
		in   string
		want Sense
		rest string
	}{
		{"File uploads resolved", Closed, "File uploads"},
		{"Card payments - back to normal", Closed, "Card payments"},
		{"Betriebsunterbruch behoben", Closed, "Betriebsunterbruch"},
		{"Wartung E-Banking (beendet)", Closed, "Wartung E-Banking"},
		{"Maintenance in progress", Underway, "Maintenance"},
		{"Resolved", Unknown, "Resolved"},
		{"Payments API unavailable", Unknown, "Payments API unavailable"},
		{"Status update", Unknown, "Status update"},
	}
	for _, tt := range tests {
		s, rest := Suffix(tt.in)
		if s != tt.want || rest != tt.rest {
			t.Errorf("Suffix(%q) = %v, %q, want %v, %q", tt.in, s, rest, tt.want, tt.rest)
		}
	}
}

func TestSaysResolved(t *testing.T) {
	tests := map[string]bool{
		"This incident has been resolved.":                     true,
		"Payments are back to normal.":                         true,
		"The dashboard is available again":                     true,
		"All services have recovered.":                         true,
		"Die Störung ist behoben.":                             true,
		"Der Dienst ist wieder verfügbar.":                     true,
		"Le service est de nouveau disponible.":                true,
		"L'incident a été résolu.":                             true,
		"El problema ha sido resuelto.":                        true,
		"Il servizio è stato ripristinato.":                    true,
		"O problema foi resolvido.":                            true,
		"De storing is opgelost.":                              true,
		"We expect this to be resolved within the hour.":       false,
		"The issue is not yet resolved.":                       false,
		"Die Störung ist noch nicht behoben.":                  false,
		"Le problème n'est pas résolu.":                        false,
		"We are investigating reports of failed payments.":     false,
		"A complete outage of card payments":                   false,
		"We will update this page once the issue is resolved.": false,
		"Sobald die Störung behoben ist, informieren wir Sie.": false,
	}
	for in, want := range tests {
		if got := SaysResolved(in); got != want {
			t.Errorf("SaysResolved(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestMaintenanceAndUnderway(t *testing.T) {
	for _, title := range []string{"Scheduled maintenance for card readers", "Geplante Wartungsarbeiten", "Wartungsfenster Online-Banking",
		"Maintenance programmée", "Mantenimiento programado", "Manutenzione programmata", "Manutenção programada", "Gepland onderhoud"} {
		if !IsMaintenance(title) {
			t.Errorf("IsMaintenance(%q) = false", title)
		}
	}
	for _, title := range []string{"Card payments failing", "Betriebsunterbruch E-Banking", "Verzögerungen bei Überweisungen"} {
		if IsMaintenance(title) {
			t.Errorf("IsMaintenance(%q) = true", title)
		}
	}
	if !SaysUnderway("Die Wartungsarbeiten werden durchgeführt.") || SaysUnderway("Die Wartung ist für morgen geplant.") {
		t.Error("SaysUnderway misreads German")
	}
}

func TestImpact(t *testing.T) {
	tests := map[string]monitor.State{
		"Payments API is down":                              monitor.StateMajorOutage,
		"Checkout unavailable for some customers":           monitor.StatePartialOutage,
		"Major outage: all payments failing":                monitor.StateMajorOutage,
		"Delayed payouts":                                   monitor.StateDegraded,
		"Slowdown in the dashboard":                         monitor.StateDegraded,
		"Betriebsunterbruch E-Banking":                      monitor.StateMajorOutage,
		"Störung bei einzelnen Kartenzahlungen":             monitor.StatePartialOutage,
		"Verzögerungen bei Überweisungen":                   monitor.StateDegraded,
		"Panne générale du service":                         monitor.StateMajorOutage,
		"Indisponibilité partielle des paiements":           monitor.StatePartialOutage,
		"Caída del servicio de pagos":                       monitor.StateMajorOutage,
		"Interruzione del servizio per alcuni clienti":      monitor.StatePartialOutage,
		"Pagamentos indisponíveis":                          monitor.StateMajorOutage,
		"Storing bij iDEAL-betalingen voor sommige klanten": monitor.StatePartialOutage,
		"Some users can't upload files":                     monitor.StatePartialOutage,
		"We are looking into reports from merchants":        monitor.StateDegraded,
	}
	for in, want := range tests {
		if got := Impact(in); got != want {
			t.Errorf("Impact(%q) = %v, want %v", in, got, want)
		}
	}
}
