// Package statustext is the text that both the tray and the command line (`paywatch status`)
// show for a snapshot: the one-line summary and a service's details. It has no Fyne in it, so
// that the headless build (`go build -tags headless`) prints the same words as the tray.
package statustext

import (
	"fmt"
	"strings"

	"github.com/paywatch/paywatch/monitor"
)

// Tooltip is the one-line summary shown when hovering the tray icon, and under `paywatch status`.
func Tooltip(s monitor.Snapshot) string {
	n := len(s.Services)
	switch {
	case s.Offline:
		return "You appear to be offline"
	case n == 0:
		return "Paywatch: no services to watch"
	}
	checked := 0
	for _, sv := range s.Services {
		if !sv.CheckedAt.IsZero() {
			checked++
		}
	}
	if checked == 0 {
		return "Paywatch: checking services…"
	}
	problems, unknown := 0, 0
	for _, sv := range s.Services {
		switch {
		case sv.State == monitor.StateUnknown:
			unknown++
		case sv.State != monitor.StateOperational:
			problems++
		}
	}
	switch {
	case problems == 0 && unknown == 0:
		if n == 1 {
			return "Paywatch: the service is working normally"
		}
		return fmt.Sprintf("Paywatch: all %d services working normally", n)
	case problems == 0:
		return fmt.Sprintf("Paywatch: %d of %d services could not be checked", unknown, n)
	case problems == 1 && n == 1:
		return fmt.Sprintf("Paywatch: %s has problems", s.Services[0].Name)
	case problems == 1:
		return fmt.Sprintf("Paywatch: 1 of %d services has problems", n)
	}
	return fmt.Sprintf("Paywatch: %d of %d services have problems", problems, n)
}

// Detail is the longer explanation of one service for the status window and `paywatch status`.
func Detail(sv monitor.ServiceStatus) string {
	var b strings.Builder
	// The reason is often the worst incident's title, which the list below repeats.
	if sv.Reason != "" && (len(sv.Incidents) == 0 || sv.Reason != sv.Incidents[0].Title) {
		b.WriteString(UpperFirst(monitor.Sanitize(sv.Reason, 200)))
		b.WriteString(".")
	}
	if line := monitor.SourcesLine(sv.Sources); line != "" {
		b.WriteString("\n" + line)
	}
	for _, c := range sv.Components {
		if c.State == monitor.StateOperational || c.State == monitor.StateUnknown {
			continue
		}
		fmt.Fprintf(&b, "\n• %s: %s", monitor.Sanitize(c.Name, 80), strings.ToLower(c.State.Label()))
		if c.Filtered {
			b.WriteString(" (filtered out)")
		}
	}
	for _, in := range sv.Incidents {
		fmt.Fprintf(&b, "\n• %s (%s)", monitor.Sanitize(in.Title, 120), strings.ToLower(in.Impact.Label()))
		if in.Filtered {
			b.WriteString(" (filtered out)")
		}
		if in.LatestUpdate != "" {
			fmt.Fprintf(&b, ": %s", monitor.Sanitize(in.LatestUpdate, 240))
		}
	}
	for _, m := range sv.Maintenances {
		when := ""
		if !m.StartsAt.IsZero() {
			when = " " + m.StartsAt.Local().Format("Mon 2 Jan 15:04")
		}
		verb := "Planned maintenance"
		if m.InProgress {
			verb = "Maintenance in progress"
		}
		fmt.Fprintf(&b, "\n• %s:%s %s", verb, when, monitor.Sanitize(m.Title, 120))
		if m.Filtered {
			b.WriteString(" (filtered out)")
		}
	}
	if sv.State.IsProblem() && sv.Guidance != "" {
		b.WriteString("\nWhat you can do: " + sv.Guidance)
	}
	return strings.TrimSpace(b.String())
}

// UpperFirst capitalises the first letter of s.
func UpperFirst(s string) string {
	if s == "" {
		return s
	}
	r := []rune(s)
	return strings.ToUpper(string(r[0])) + string(r[1:])
}
