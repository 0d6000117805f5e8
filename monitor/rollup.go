package monitor

import (
	"path"
	"slices"
	"strings"
)

// ComponentFilter narrows a service to the components a user cares about. Patterns match a
// component's name or its group, case-insensitively, with shell wildcards ("Card*").
type ComponentFilter struct {
	Include []string `yaml:"include,omitempty" json:"include,omitempty"`
	Exclude []string `yaml:"exclude,omitempty" json:"exclude,omitempty"`
}

// Active reports whether the filter narrows anything.
func (f ComponentFilter) Active() bool { return len(f.Include) > 0 || len(f.Exclude) > 0 }

// Keeps reports whether a component passes the filter.
func (f ComponentFilter) Keeps(c Component) bool {
	if len(f.Include) > 0 && !matchAny(f.Include, c) {
		return false
	}
	return !matchAny(f.Exclude, c)
}

// noSlash stands in for "/" while matching: path.Match's "*" stops at a slash, and component
// names often contain one ("EU / Card acquiring").
var noSlash = strings.NewReplacer("/", "\uE000")

func matchAny(patterns []string, c Component) bool {
	for _, p := range patterns {
		p = noSlash.Replace(strings.ToLower(strings.TrimSpace(p)))
		for _, v := range []string{c.Name, c.Group} {
			if v == "" {
				continue
			}
			v = noSlash.Replace(strings.ToLower(strings.TrimSpace(v)))
			if ok, err := path.Match(p, v); (err == nil && ok) || p == v {
				return true
			}
		}
	}
	return false
}

// Rollup turns a report into the state of one service and returns the components with their
// Filtered marks set. With no filter: the worst of the page indicator, its components, its open
// incidents and in-progress maintenances. With a filter: only the kept components, and the
// incidents and maintenances that touch them; the page-wide indicator no longer counts.
// A maintenance never hides a worse signal, because worst-of ranks it below every problem.
//
// Without a filter the components come back as they are, not copied (no marks to set): they
// are shared with r, and neither may be modified.
func Rollup(r Report, f ComponentFilter) (State, []Component, string) {
	if !f.Active() {
		comps := r.Components
		s := worstKnown(r.Indicator)
		for _, c := range comps {
			s = worstKnown(s, c.State)
		}
		for _, in := range r.Incidents {
			s = worstKnown(s, in.Impact)
		}
		for _, m := range r.Maintenances {
			if m.InProgress {
				s = worstKnown(s, StateMaintenance)
			}
		}
		if s == StateUnknown {
			// A valid page with nothing wrong on it and no rollup of its own.
			s = StateOperational
		}
		return s, comps, ""
	}

	comps := slices.Clone(r.Components)
	kept := map[string]bool{}
	var states []State
	for i := range comps {
		if !f.Keeps(comps[i]) {
			comps[i].Filtered = true
			continue
		}
		kept[strings.ToLower(comps[i].ID)] = true
		kept[strings.ToLower(comps[i].Name)] = true
		states = append(states, comps[i].State)
	}
	if len(states) == 0 {
		if len(comps) == 0 {
			// The page lists no components (some platforms never do): incidents decide.
			return worstKnown(append(incidentStates(r.Incidents), StateOperational)...), comps, ""
		}
		return StateUnknown, comps, "none of the components you chose are listed on this status page"
	}
	touches := func(ids []string) bool {
		for _, id := range ids {
			if kept[strings.ToLower(id)] {
				return true
			}
		}
		return false
	}
	for _, in := range r.Incidents {
		if touches(in.Components) {
			states = append(states, in.Impact)
		}
	}
	for _, m := range r.Maintenances {
		if m.InProgress && touches(m.Components) {
			states = append(states, StateMaintenance)
		}
	}
	return worstKnown(states...), comps, ""
}

// touchesKept reports whether an incident or maintenance touching ids counts for a service with
// filter f, the way Rollup counts it; comps are Rollup's components, with their Filtered marks.
func touchesKept(f ComponentFilter, comps []Component, ids []string) bool {
	if !f.Active() || len(comps) == 0 {
		return true
	}
	for _, c := range comps {
		if c.Filtered {
			continue
		}
		for _, id := range ids {
			if id != "" && (strings.EqualFold(id, c.ID) || strings.EqualFold(id, c.Name)) {
				return true
			}
		}
	}
	return false
}

func incidentStates(in []Incident) []State {
	out := make([]State, 0, len(in))
	for _, i := range in {
		out = append(out, i.Impact)
	}
	return out
}
