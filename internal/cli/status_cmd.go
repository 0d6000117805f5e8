package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/paywatch/paywatch/app/statustext"
	"github.com/paywatch/paywatch/monitor"
	"github.com/paywatch/paywatch/monitor/channels"
	"github.com/paywatch/paywatch/monitor/history"
)

// Exit codes of `paywatch status`.
const (
	exitOK      = 0 // every service operational
	exitWarn    = 1 // some maintenance or degraded
	exitOutage  = 2 // some partial or major outage
	exitUnknown = 3 // some could not be checked (none worse), or this machine is offline
)

type statusJSON struct {
	Overall  monitor.State       `json:"overall"`
	Offline  bool                `json:"offline"`
	Services []statusServiceJSON `json:"services"`
	Channels []channelJSON       `json:"channels"`
	// HistorySetAside lists damaged history files moved aside (a new history was started).
	HistorySetAside []string `json:"history_set_aside,omitempty"`
}

// channelJSON lists a team channel with its address redacted: tokens never leave the settings.
type channelJSON struct {
	Name string `json:"name,omitempty"`
	URL  string `json:"url"`
}

func channelList(cfg *monitor.Config) []channelJSON {
	out := []channelJSON{}
	for _, ch := range cfg.Channels {
		out = append(out, channelJSON{Name: ch.Name, URL: channels.Redact(ch.URL)})
	}
	return out
}

type statusServiceJSON struct {
	ID           string                 `json:"id"`
	Name         string                 `json:"name"`
	State        monitor.State          `json:"state"`
	Reason       string                 `json:"reason"`
	Stale        bool                   `json:"stale"`
	Source       string                 `json:"source"`
	URL          string                 `json:"url"`
	CheckedAt    *time.Time             `json:"checked_at"`
	Sources      []monitor.SourceStatus `json:"sources"`
	Components   []componentJSON        `json:"components"`
	Incidents    []incidentJSON         `json:"incidents"`
	Maintenances []maintenanceJSON      `json:"maintenances"`
	Guidance     string                 `json:"guidance,omitempty"`
}

type componentJSON struct {
	Name     string        `json:"name"`
	Group    string        `json:"group,omitempty"`
	State    monitor.State `json:"state"`
	Filtered bool          `json:"filtered,omitempty"`
}

type incidentJSON struct {
	Title        string        `json:"title"`
	Impact       monitor.State `json:"impact"`
	Status       string        `json:"status"`
	UpdatedAt    *time.Time    `json:"updated_at"`
	LatestUpdate string        `json:"latest_update"`
	URL          string        `json:"url,omitempty"`
}

type maintenanceJSON struct {
	Title    string     `json:"title"`
	Status   string     `json:"status"`
	StartsAt *time.Time `json:"starts_at"`
	EndsAt   *time.Time `json:"ends_at"`
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func cmdStatus(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("paywatch status", stderr)
	asJSON := fs.Bool("json", false, "print JSON")
	cfgPath := fs.String("config", "", "settings file")
	timeout := fs.Duration("timeout", 30*time.Second, "give up after this long")
	if !parseOptions(fs, args, stderr) || !positive(*timeout > 0, fs, "--timeout", "--timeout 30s", stderr) {
		return 64
	}
	cfg, err := loadConfigForStatus(*cfgPath)
	if err != nil {
		fmt.Fprintf(stderr, "paywatch: %s\n", strings.ReplaceAll(err.Error(), "\n", "; "))
		return 64
	}
	specs, err := resolve(cfg, newFetcher())
	if err != nil {
		fmt.Fprintf(stderr, "paywatch: %s\n", strings.ReplaceAll(err.Error(), "\n", "; "))
		return 64
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	snap := monitor.CheckOnce(ctx, specs, monitor.DefaultThresholds, monitor.NewConnectivity(cfg.Connectivity.Canaries, newFetcher()))
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		out := toStatusJSON(snap)
		out.Channels = channelList(cfg)
		out.HistorySetAside = historySetAside()
		if err := enc.Encode(out); err != nil {
			fmt.Fprintf(stderr, "paywatch: %v\n", err)
			return 1
		}
		if w := stateWarning(alertStatePath()); w != "" {
			fmt.Fprintln(stderr, w) // not in the JSON, which stays what it was
		}
	} else {
		printStatus(stdout, snap)
		if w := stateWarning(alertStatePath()); w != "" {
			fmt.Fprintln(stdout, w)
		}
		for _, ch := range channelList(cfg) {
			name := ch.Name
			if name == "" {
				name = "Team channel"
			}
			fmt.Fprintf(stdout, "%s: %s\n", name, ch.URL)
		}
		for _, f := range historySetAside() {
			fmt.Fprintf(stdout, "History: a damaged history file was moved aside to %s and a new history started.\n", f)
		}
	}
	return statusExit(snap)
}

// historySetAside lists the damaged history files moved aside, which a machine service can show
// nowhere else.
func historySetAside() []string {
	p, err := history.DefaultPath()
	if err != nil {
		return nil
	}
	return setAside(p)
}

func loadConfigForStatus(path string) (*monitor.Config, error) {
	if path != "" {
		return monitor.LoadConfig(path)
	}
	p, err := monitor.ConfigPath()
	if err != nil {
		return monitor.DefaultConfig(), nil
	}
	c, err := monitor.LoadConfig(p)
	if err != nil {
		if isNotExist(err) {
			return monitor.DefaultConfig(), nil
		}
		return nil, err
	}
	return c, nil
}

func statusExit(s monitor.Snapshot) int {
	if s.Offline {
		return exitUnknown
	}
	code := exitOK
	unknown := false
	for _, sv := range s.Services {
		switch {
		case sv.State.IsOutage():
			return exitOutage
		case sv.State == monitor.StateDegraded || sv.State == monitor.StateMaintenance:
			code = exitWarn
		case sv.State == monitor.StateUnknown:
			unknown = true
		}
	}
	if code == exitOK && unknown {
		return exitUnknown
	}
	return code
}

func toStatusJSON(s monitor.Snapshot) statusJSON {
	out := statusJSON{Overall: s.Overall(), Offline: s.Offline, Services: []statusServiceJSON{}}
	for _, sv := range s.Services {
		j := statusServiceJSON{
			ID: sv.ID, Name: sv.Name, State: sv.State, Reason: sv.Reason, Stale: sv.Stale, URL: sv.URL,
			CheckedAt: timePtr(sv.CheckedAt), Sources: sv.Sources, Guidance: sv.Guidance,
			Components: []componentJSON{}, Incidents: []incidentJSON{}, Maintenances: []maintenanceJSON{},
		}
		var kinds []string
		for _, src := range sv.Sources {
			kinds = append(kinds, src.Platform)
		}
		j.Source = strings.Join(kinds, "+")
		for _, c := range sv.Components {
			j.Components = append(j.Components, componentJSON{Name: c.Name, Group: c.Group, State: c.State, Filtered: c.Filtered})
		}
		for _, in := range sv.Incidents {
			j.Incidents = append(j.Incidents, incidentJSON{Title: monitor.Sanitize(in.Title, 200), Impact: in.Impact, Status: in.Status, UpdatedAt: timePtr(in.UpdatedAt), LatestUpdate: monitor.Sanitize(in.LatestUpdate, 1000), URL: in.URL})
		}
		for _, m := range sv.Maintenances {
			j.Maintenances = append(j.Maintenances, maintenanceJSON{Title: monitor.Sanitize(m.Title, 200), Status: m.Status, StartsAt: timePtr(m.StartsAt), EndsAt: timePtr(m.EndsAt)})
		}
		out.Services = append(out.Services, j)
	}
	return out
}

func printStatus(w io.Writer, s monitor.Snapshot) {
	if s.Offline {
		reason := s.OfflineReason
		if reason == "" {
			reason = "You appear to be offline"
		}
		fmt.Fprintf(w, "%s, so Paywatch cannot tell whether these services are working.\n", reason)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SERVICE\tSTATE\tDETAILS")
	for _, sv := range s.Services {
		state := sv.State.Label()
		if sv.Stale {
			state += " (not fresh)"
		}
		detail := strings.ReplaceAll(statustext.Detail(sv), "\n", " · ")
		if s.Offline {
			detail = "not checked: no internet connection"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", sv.Name, state, detail)
	}
	tw.Flush()
	fmt.Fprintln(w, statustext.Tooltip(s))
}
