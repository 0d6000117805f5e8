package configedit

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/paywatch/paywatch/monitor"
)

func scalar(v string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: v} }

func keyNode(k string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: k} }

func mapGet(m *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

// mapSet sets key to v, keeping the key (and its comments) where it is; new keys go last.
// A scalar keeps its line comment.
func mapSet(m *yaml.Node, key string, v *yaml.Node) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			old := m.Content[i+1]
			if v.Kind == yaml.ScalarNode && old.Kind == yaml.ScalarNode {
				v.LineComment = old.LineComment
			}
			keepStyle(old, v)
			m.Content[i+1] = v
			return
		}
	}
	m.Content = append(m.Content, keyNode(key), v)
}

// keepStyle writes a replaced list or mapping the way the old one was written (a flow list
// [a, b] stays one), down to the entries both have.
func keepStyle(old, v *yaml.Node) {
	if old.Kind != v.Kind || old.Kind == yaml.ScalarNode {
		return
	}
	if old.Style&yaml.FlowStyle != 0 && len(v.Content) > 0 {
		v.Style |= yaml.FlowStyle
	}
	if v.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(v.Content); i += 2 {
			if o := mapGet(old, v.Content[i].Value); o != nil {
				keepStyle(o, v.Content[i+1])
			}
		}
	}
}

func mapDelete(m *yaml.Node, key string) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			m.Content = slices.Delete(m.Content, i, i+2)
			return
		}
	}
}

// mapEnsure returns the mapping under key, adding an empty one.
func mapEnsure(m *yaml.Node, key string) (*yaml.Node, error) {
	v := mapGet(m, key)
	if v == nil || (v.Kind == yaml.ScalarNode && v.ShortTag() == "!!null") {
		v = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		mapSet(m, key, v)
	}
	if v.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%s: expected name: value lines, so it cannot be changed here", key)
	}
	return v, nil
}

// seqEnsure returns the list under key, adding an empty one, written as a block list.
func seqEnsure(m *yaml.Node, key string) (*yaml.Node, error) {
	v := mapGet(m, key)
	if v == nil || (v.Kind == yaml.ScalarNode && v.ShortTag() == "!!null") {
		v = &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
		mapSet(m, key, v)
	}
	if v.Kind != yaml.SequenceNode {
		return nil, fmt.Errorf("%s: expected a list, so it cannot be changed here", key)
	}
	if len(v.Content) == 0 {
		v.Style = 0 // "services: []" grows into a block list
	}
	return v, nil
}

func stringList(items []string) *yaml.Node {
	n := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
	for _, s := range items {
		n.Content = append(n.Content, scalar(s))
	}
	return n
}

// serviceNode writes a service as the user would: catalog: id, or name, url and platform.
func serviceNode(s monitor.ServiceConfig) *yaml.Node {
	m := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	add := func(k, v string) {
		if v != "" {
			m.Content = append(m.Content, keyNode(k), scalar(v))
		}
	}
	add("name", s.Name)
	add("catalog", s.Catalog)
	add("url", s.URL)
	add("platform", s.Platform)
	return m
}

// findService returns the index of the service with an id in the services list.
func findService(root *yaml.Node, id string) (*yaml.Node, int, error) {
	seq := mapGet(root, "services")
	if seq == nil || seq.Kind != yaml.SequenceNode {
		return nil, -1, fmt.Errorf("services: the list is missing")
	}
	for i, it := range seq.Content {
		var s monitor.ServiceConfig
		if it.Decode(&s) == nil && s.ServiceID() == id {
			return seq, i, nil
		}
	}
	return nil, -1, fmt.Errorf("services: no service has the id %q (was it removed in the file?)", id)
}

// AddService adds a service to the end of the watchlist: a catalog entry (Catalog set) or a
// status page (Name, URL and Platform).
func AddService(s monitor.ServiceConfig) Edit {
	return func(root *yaml.Node) error {
		seq, err := seqEnsure(root, "services")
		if err != nil {
			return err
		}
		seq.Content = append(seq.Content, serviceNode(s))
		return nil
	}
}

// RemoveService removes the service with an id (monitor.ServiceConfig.ServiceID).
func RemoveService(id string) Edit {
	return func(root *yaml.Node) error {
		seq, i, err := findService(root, id)
		if err != nil {
			return err
		}
		seq.Content = slices.Delete(seq.Content, i, i+1)
		return nil
	}
}

// SetComponents sets a service's components filter; both empty removes it.
func SetComponents(id string, include, exclude []string) Edit {
	return func(root *yaml.Node) error {
		seq, i, err := findService(root, id)
		if err != nil {
			return err
		}
		svc := seq.Content[i]
		if svc.Kind != yaml.MappingNode {
			return fmt.Errorf("services[%d]: expected name: value lines", i+1)
		}
		if len(include) == 0 && len(exclude) == 0 {
			mapDelete(svc, "components")
			return nil
		}
		c := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		if len(include) > 0 {
			c.Content = append(c.Content, keyNode("include"), stringList(include))
		}
		if len(exclude) > 0 {
			c.Content = append(c.Content, keyNode("exclude"), stringList(exclude))
		}
		mapSet(svc, "components", c)
		return nil
	}
}

// SetServiceMinSeverity sets a service's own notification threshold; nil uses alerts'.
func SetServiceMinSeverity(id string, s *monitor.State) Edit {
	return func(root *yaml.Node) error {
		seq, i, err := findService(root, id)
		if err != nil {
			return err
		}
		svc := seq.Content[i]
		if svc.Kind != yaml.MappingNode {
			return fmt.Errorf("services[%d]: expected name: value lines", i+1)
		}
		if s == nil {
			mapDelete(svc, "min_severity")
		} else {
			mapSet(svc, "min_severity", scalar(s.String()))
		}
		return nil
	}
}

// alerts edits the alerts: mapping, removing it when it ends up empty.
func alerts(f func(a *yaml.Node)) Edit {
	return func(root *yaml.Node) error {
		existed := mapGet(root, "alerts") != nil
		a, err := mapEnsure(root, "alerts")
		if err != nil {
			return err
		}
		f(a)
		if len(a.Content) == 0 && !existed {
			mapDelete(root, "alerts")
		}
		return nil
	}
}

// SetMinSeverity sets alerts.min_severity; nil goes back to the default (degraded).
func SetMinSeverity(s *monitor.State) Edit {
	return alerts(func(a *yaml.Node) {
		if s == nil {
			mapDelete(a, "min_severity")
		} else {
			mapSet(a, "min_severity", scalar(s.String()))
		}
	})
}

// DefaultMaintenanceAhead is when Paywatch tells of planned maintenance without settings.
var DefaultMaintenanceAhead = []time.Duration{24 * time.Hour, time.Hour}

// SetMaintenanceAhead says how long before planned maintenance to tell of it: none turns the
// notices off, the default (24h and 1h) leaves the settings out.
func SetMaintenanceAhead(ahead []time.Duration) Edit {
	return alerts(func(a *yaml.Node) {
		switch {
		case len(ahead) == 0:
			mapSet(a, "maintenance", &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: "false"})
			mapDelete(a, "maintenance_ahead")
		case slices.Equal(ahead, DefaultMaintenanceAhead):
			mapDelete(a, "maintenance")
			mapDelete(a, "maintenance_ahead")
		default:
			mapDelete(a, "maintenance")
			l := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Style: yaml.FlowStyle}
			for _, d := range ahead {
				l.Content = append(l.Content, scalar(shortDuration(d)))
			}
			mapSet(a, "maintenance_ahead", l)
		}
	})
}

// shortDuration writes 1h rather than 1h0m0s.
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// window writes a TimeWindow; nil removes it.
func window(key string, w *monitor.TimeWindow) Edit {
	return alerts(func(a *yaml.Node) {
		if w == nil {
			mapDelete(a, key)
			return
		}
		n := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		if len(w.Days) > 0 {
			d := stringList(w.Days)
			d.Style = yaml.FlowStyle
			n.Content = append(n.Content, keyNode("days"), d)
		}
		from, to := scalar(w.From), scalar(w.To)
		from.Style, to.Style = yaml.DoubleQuotedStyle, yaml.DoubleQuotedStyle // 22:00 is not a number
		n.Content = append(n.Content, keyNode("from"), from, keyNode("to"), to)
		mapSet(a, key, n)
	})
}

// SetQuietHours sets alerts.quiet_hours; nil removes them.
func SetQuietHours(w *monitor.TimeWindow) Edit { return window("quiet_hours", w) }

// SetBusinessHours sets alerts.business_hours; nil removes them.
func SetBusinessHours(w *monitor.TimeWindow) Edit { return window("business_hours", w) }

// SetReminders sets alerts.reminders; 0 turns them off.
func SetReminders(every time.Duration) Edit {
	return alerts(func(a *yaml.Node) {
		if every == 0 {
			mapDelete(a, "reminders")
		} else {
			mapSet(a, "reminders", scalar(shortDuration(every)))
		}
	})
}

// SetIncidentUpdates sets alerts.incident_updates.
func SetIncidentUpdates(on bool) Edit {
	return alerts(func(a *yaml.Node) {
		if on {
			mapSet(a, "incident_updates", &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: "true"})
		} else {
			mapDelete(a, "incident_updates")
		}
	})
}

// SetInterval sets how often pages are checked; 0 goes back to the default.
func SetInterval(every time.Duration) Edit {
	return func(root *yaml.Node) error {
		if every == 0 {
			mapDelete(root, "interval")
		} else {
			mapSet(root, "interval", scalar(shortDuration(every)))
		}
		return nil
	}
}

// AddChannel adds a team channel.
func AddChannel(name, url string) Edit {
	return func(root *yaml.Node) error {
		seq, err := seqEnsure(root, "channels")
		if err != nil {
			return err
		}
		m := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		if name != "" {
			m.Content = append(m.Content, keyNode("name"), scalar(name))
		}
		m.Content = append(m.Content, keyNode("url"), scalar(url))
		seq.Content = append(seq.Content, m)
		return nil
	}
}

// RemoveChannel removes the team channel with an address (the first, if several have it). It
// is found by its address, not its place, so that a file edited by hand in the meantime does
// not lose another channel.
func RemoveChannel(url string) Edit {
	return func(root *yaml.Node) error {
		seq := mapGet(root, "channels")
		if seq != nil && seq.Kind == yaml.SequenceNode {
			for i, it := range seq.Content {
				var ch monitor.ChannelConfig
				if it.Decode(&ch) == nil && ch.URL == url {
					seq.Content = slices.Delete(seq.Content, i, i+1)
					if len(seq.Content) == 0 {
						mapDelete(root, "channels")
					}
					return nil
				}
			}
		}
		return fmt.Errorf("channels: that channel is no longer in the settings file (was it removed by hand?)")
	}
}
