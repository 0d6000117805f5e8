package monitor

import (
	"fmt"
	"strings"
	"time"
)

// A Sink is one place notifications go: the desktop, a team channel (and later the history).
// Each has one threshold, judged here and nowhere else. The policy decides at the most
// sensitive threshold among the sinks that cover a service, so a channel can hear of more than
// the desktop; each sink then takes what its own threshold wants (Filter).
type Sink struct {
	Name string
	// MinSeverity is the least severe state this sink hears about.
	MinSeverity State
	// PerService overrides MinSeverity for some services, by id (the desktop's per-service
	// min_severity).
	PerService map[string]State
	// Services are the services this sink hears about, by id or by a name whose slug is the
	// id; none means all.
	Services []string
	// PlannedWork: news of planned work (severity maintenance: maintenance ahead, starting or
	// finished) reaches this sink whatever MinSeverity says, unless the service's own
	// threshold is an outage ("degraded and worse" is about problems, and planned work is
	// still worth knowing ahead). The desktop works so; a channel hears of planned work only
	// at min_severity: maintenance.
	PlannedWork bool
}

// DesktopSink is the desktop's threshold: alerts.min_severity (default degraded), overridden
// per service (by id); it hears of planned work.
func DesktopSink(cfg AlertConfig, perService map[string]State) Sink {
	return Sink{Name: "desktop", MinSeverity: cfg.minSeverity(), PerService: perService, PlannedWork: true}
}

// ChannelSink is a team channel's threshold: its min_severity (default degraded), for its
// services (all when it lists none).
func ChannelSink(c ChannelConfig) Sink {
	s := Sink{Name: c.Name, MinSeverity: StateDegraded}
	if c.MinSeverity != nil {
		s.MinSeverity = *c.MinSeverity
	}
	for _, id := range c.Services {
		if id = strings.TrimSpace(id); id != "" {
			s.Services = append(s.Services, id)
		}
	}
	return s
}

// Covers reports whether the sink hears about a service at all.
func (s Sink) Covers(id string) bool {
	if len(s.Services) == 0 {
		return true
	}
	for _, want := range s.Services {
		if strings.EqualFold(want, id) || Slug(want) == strings.ToLower(id) {
			return true
		}
	}
	return false
}

// Threshold is the least severe state the sink hears about for a service.
func (s Sink) Threshold(id string) State {
	if t, ok := s.PerService[id]; ok {
		return t
	}
	return s.MinSeverity
}

// Wants reports whether the sink is to be told a notification; a summary when it wants any of
// its parts.
func (s Sink) Wants(n Notification) bool {
	if n.Summary != "" {
		for _, part := range n.Parts {
			if s.Wants(part) {
				return true
			}
		}
		return false
	}
	if n.Severity == StateUnknown || n.Severity == StateOperational || !s.Covers(n.ServiceID) {
		return false
	}
	if n.Severity == StateMaintenance && s.PlannedWork {
		own, ok := s.PerService[n.ServiceID]
		return !ok || !own.IsOutage()
	}
	return !s.Threshold(n.ServiceID).Worse(n.Severity)
}

// Filter keeps what the sink wants, in order. A summary whose parts it all wants is kept as
// it is; one it wants only some parts of is made again from those, by the rule that made it,
// so that it never shows the sink news below its threshold.
func (s Sink) Filter(ns []Notification) []Notification {
	var out []Notification
	for _, n := range ns {
		if n.Summary == "" {
			if s.Wants(n) {
				out = append(out, n)
			}
			continue
		}
		if s.allWanted(n.Parts) {
			out = append(out, n)
			continue
		}
		out = append(out, resummarise(n, s.Filter(n.Parts))...)
	}
	return out
}

// allWanted reports whether the sink wants every part, summaries whole.
func (s Sink) allWanted(ns []Notification) bool {
	for _, n := range ns {
		if n.Summary != "" {
			if !s.allWanted(n.Parts) {
				return false
			}
		} else if !s.Wants(n) {
			return false
		}
	}
	return true
}

// resummarise makes a summary again from the parts a sink wants, by the rule of its kind.
func resummarise(n Notification, parts []Notification) []Notification {
	if len(parts) == 0 {
		return nil
	}
	switch n.Summary {
	case SummaryStorm:
		if len(parts) < StormCount {
			return parts
		}
		return []Notification{stormSummary(parts, n.At)}
	case SummaryHeld:
		if len(parts) == 1 {
			return parts
		}
		return []Notification{heldSummary(parts, n.At)}
	case SummaryAway:
		return []Notification{awaySummary(n.Title, n.State, n.At, parts)}
	}
	return nil
}

func stormSummary(ns []Notification, now time.Time) Notification {
	return summarise(ns, now, SummaryStorm, fmt.Sprintf("%d changes at once", len(ns)))
}

func heldSummary(ns []Notification, now time.Time) Notification {
	return summarise(ns, now, SummaryHeld, fmt.Sprintf("%d notifications held during quiet hours", len(ns)))
}
