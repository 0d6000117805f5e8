package app

import (
	"fmt"
	"slices"
	"time"

	"github.com/paywatch/paywatch/monitor"
)

// ServiceLine is a service's line in the tray menu:
// "Stripe — Major outage · checked 2 min ago".
func ServiceLine(sv monitor.ServiceStatus, now time.Time) string {
	state := sv.State.Label()
	if sv.CheckedAt.IsZero() {
		return sv.Name + " — checking…"
	}
	if sv.State == monitor.StateUnknown {
		state = "Can't tell"
	}
	age := Ago(now.Sub(sv.CheckedAt))
	if sv.Stale {
		return fmt.Sprintf("%s — %s · last known %s", sv.Name, state, age)
	}
	return fmt.Sprintf("%s — %s · checked %s", sv.Name, state, age)
}

// Ago says how long ago, briefly: "just now", "3 min ago", "2 h ago". Its unit is the minute,
// and anything under two minutes is "just now": every change of a line makes the tray rebuild
// its whole menu (Fyne has no in-place update), and a status page polled every 60 s (give or
// take its jitter) must not flip between "just now" and "1 min ago" around each poll.
func Ago(d time.Duration) string {
	switch {
	case d < 2*time.Minute:
		return "just now"
	case d < time.Hour:
		return fmt.Sprintf("%d min ago", int(d/time.Minute))
	case d < 48*time.Hour:
		return fmt.Sprintf("%d h ago", int(d/time.Hour))
	}
	return fmt.Sprintf("%d days ago", int(d/(24*time.Hour)))
}

// AgoChanges is the first time after now at which Ago(time since checked) reads differently.
func AgoChanges(checked, now time.Time) time.Time {
	d := now.Sub(checked)
	var unit time.Duration
	switch {
	case d < 2*time.Minute:
		return checked.Add(2 * time.Minute)
	case d < time.Hour:
		unit = time.Minute
	case d < 48*time.Hour:
		unit = time.Hour
	default:
		unit = 24 * time.Hour
	}
	return checked.Add((d/unit + 1) * unit)
}

// IconState is the tray icon to show: the worst service state, or "offline".
func IconState(s monitor.Snapshot) string {
	if s.Offline {
		return "offline"
	}
	checked := false
	for _, sv := range s.Services {
		checked = checked || !sv.CheckedAt.IsZero()
	}
	if !checked {
		return monitor.StateUnknown.String()
	}
	return s.Overall().String()
}

// NextMaintenance is the maintenance a person should know of first: one in progress, else the
// earliest still ahead. Work on components the user filtered out, and work whose announced end
// has passed, do not count. False when there is none.
func NextMaintenance(sv monitor.ServiceStatus, now time.Time) (monitor.Maintenance, bool) {
	var best monitor.Maintenance
	found := false
	for _, m := range sv.Maintenances {
		if m.Filtered || !m.InProgress && !m.EndsAt.IsZero() && !m.EndsAt.After(now) {
			continue
		}
		if !found || sooner(m, best) {
			best, found = m, true
		}
	}
	return best, found
}

// sooner: work in progress comes before work ahead, then the earlier start (an unknown start last).
func sooner(m, than monitor.Maintenance) bool {
	if m.InProgress != than.InProgress {
		return m.InProgress
	}
	if than.StartsAt.IsZero() {
		return !m.StartsAt.IsZero()
	}
	return !m.StartsAt.IsZero() && m.StartsAt.Before(than.StartsAt)
}

// MaintenanceLine says when planned work happens, in now's time zone: "Maintenance planned
// today 14:38–15:38", "… tomorrow 09:00–10:00", "… Thu 14:38–15:38" within the coming week,
// "… Thu 17 Dec 14:38–15:38" beyond it, "… Thu 22:00 – Fri 02:00" across midnight, and
// "Maintenance in progress until 15:38" once it has begun.
func MaintenanceLine(m monitor.Maintenance, now time.Time) string {
	loc := now.Location()
	start, end := m.StartsAt.In(loc), m.EndsAt.In(loc)
	if m.InProgress {
		if m.EndsAt.IsZero() {
			return "Maintenance in progress"
		}
		return "Maintenance in progress until " + dayAndTime(end, now)
	}
	switch {
	case m.StartsAt.IsZero():
		return "Maintenance planned"
	case m.EndsAt.IsZero():
		return "Maintenance planned " + dayName(start, now) + " from " + start.Format("15:04")
	case sameDay(start, end):
		return "Maintenance planned " + dayName(start, now) + " " + start.Format("15:04") + "–" + end.Format("15:04")
	}
	return "Maintenance planned " + dayAndTime(start, now) + " – " + dayAndTime(end, now)
}

// dayAndTime is "15:38" today, else the day and the time: "tomorrow 02:00", "Fri 02:00".
func dayAndTime(t, now time.Time) string {
	t = t.In(now.Location())
	if sameDay(t, now) {
		return t.Format("15:04")
	}
	return dayName(t, now) + " " + t.Format("15:04")
}

// dayName names a day as people do when they plan: "today", "tomorrow", the weekday within the
// coming week ("Thu"), else with its date ("Thu 17 Dec"); days past carry their date.
func dayName(t, now time.Time) string {
	t, now = t.In(now.Location()), now.In(now.Location())
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, now.Location())
	switch {
	case sameDay(t, now):
		return "today"
	case sameDay(t, today.AddDate(0, 0, 1)):
		return "tomorrow"
	case t.After(today) && t.Before(today.AddDate(0, 0, 7)):
		return t.Format("Mon")
	}
	return t.Format("Mon 2 Jan")
}

func sameDay(a, b time.Time) bool {
	b = b.In(a.Location())
	return a.Year() == b.Year() && a.YearDay() == b.YearDay()
}

// ByProblem orders components for reading: problems first, worst first; the ones the user
// filtered out last. The order among equals is kept.
func ByProblem(comps []monitor.Component) []monitor.Component {
	out := slices.Clone(comps)
	slices.SortStableFunc(out, func(a, b monitor.Component) int {
		if a.Filtered != b.Filtered {
			if a.Filtered {
				return 1
			}
			return -1
		}
		switch {
		case a.State.Worse(b.State):
			return -1
		case b.State.Worse(a.State):
			return 1
		}
		return 0
	})
	return out
}
