package monitor

import (
	"fmt"
	"strings"
	"time"
)

// AwaySummary words the "While you were away" notification from the changes confirmed after a
// sleep and the incidents that opened and closed during the gap. It returns false when nothing
// happened worth saying.
func AwaySummary(gapStart, gapEnd time.Time, changes []Change, snap Snapshot) (Notification, bool) {
	type net struct {
		name     string
		from, to State
	}
	order := []string{}
	byID := map[string]*net{}
	for _, c := range changes {
		if c.Kind != ChangeState {
			continue
		}
		n, ok := byID[c.ServiceID]
		if !ok {
			n = &net{name: c.Name, from: c.From}
			byID[c.ServiceID] = n
			order = append(order, c.ServiceID)
		}
		n.to = c.To
	}
	// One part a line, each with its service and severity, so that a sink can leave out the
	// services below its threshold.
	var parts []Notification
	for _, id := range order {
		n := byID[id]
		if n.from == n.to {
			continue
		}
		line := fmt.Sprintf("%s: %s.", n.name, strings.ToLower(n.to.Label()))
		if n.to == StateOperational {
			line = fmt.Sprintf("%s is working normally again (it was: %s).", n.name, strings.ToLower(n.from.Label()))
		}
		parts = append(parts, Notification{ServiceID: id, Title: line, State: n.to, Severity: Worst(n.from, n.to), At: gapEnd})
	}
	for _, sv := range snap.Services {
		for _, in := range sv.Resolved {
			if in.ResolvedAt.IsZero() || in.ResolvedAt.Before(gapStart) || in.ResolvedAt.After(gapEnd) {
				continue
			}
			// An incident counts as a problem even when its page gave it no impact.
			parts = append(parts, Notification{ServiceID: sv.ID, State: sv.State, Severity: Worst(in.Impact, StateDegraded), At: gapEnd,
				Title: fmt.Sprintf("%s had an incident that is now resolved: %s.", sv.Name, Sanitize(in.Title, 100))})
		}
	}
	if len(parts) == 0 {
		return Notification{}, false
	}
	return awaySummary(fmt.Sprintf("While you were away (%s)", HumanDuration(gapEnd.Sub(gapStart))), snap.Overall(), gapEnd, parts), true
}
