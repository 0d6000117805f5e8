package cli

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/paywatch/paywatch/internal/atomicfile"
	"github.com/paywatch/paywatch/monitor"
	"github.com/paywatch/paywatch/monitor/history"
)

// dateHelp is how a date is written, for error messages.
const dateHelp = "write it like 2026-03-10 or 2026-03-10T14:00:00+01:00"

// parseDate reads a date option: YYYY-MM-DD in local time (the start of that day, or, for the
// end of a range, the start of the next, so that the day is included), or an RFC 3339 time.
func parseDate(option, s string, end bool) (time.Time, error) {
	s = strings.TrimSpace(s)
	if d, err := time.ParseInLocation(time.DateOnly, s, time.Local); err == nil {
		if end {
			d = d.AddDate(0, 0, 1)
		}
		return d, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("%s: %q is not a date (%s)", option, s, dateHelp)
}

// dateRange reads --since or --from/--to into [from, to); a zero to means now.
func dateRange(since, from, to string, now time.Time) (time.Time, time.Time, error) {
	switch {
	case since != "" && (from != "" || to != ""):
		return time.Time{}, time.Time{}, errors.New("give --since or --from and --to, not both")
	case since != "":
		d, err := monitor.ParseSpan(since)
		if err != nil || d <= 0 {
			return time.Time{}, time.Time{}, fmt.Errorf("--since: %q is not a length of time (write it like 7d, 12h or 2w)", since)
		}
		return now.Add(-time.Duration(d)), time.Time{}, nil
	case to != "" && from == "":
		return time.Time{}, time.Time{}, errors.New("--to needs --from")
	}
	var f, t time.Time
	var err error
	if from != "" {
		if f, err = parseDate("--from", from, false); err != nil {
			return f, t, err
		}
	}
	if to != "" {
		if t, err = parseDate("--to", to, true); err != nil {
			return f, t, err
		}
		if !t.After(f) {
			return f, t, fmt.Errorf("--to (%s) must come after --from (%s)", to, from)
		}
	}
	return f, t, nil
}

// serviceIDs turns service names or ids, as the user writes them, into the ids the history
// keeps: a service in the settings by its name or id, anything else as an id.
func serviceIDs(cfg *monitor.Config, names []string) []string {
	var ids []string
	for _, n := range names {
		id := monitor.Slug(n)
		if cfg != nil {
			for _, s := range cfg.Services {
				if strings.EqualFold(s.Name, n) || strings.EqualFold(s.ServiceID(), n) {
					id = s.ServiceID()
				}
			}
		}
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	return ids
}

// openHistoryForReading opens the history for a command. Without one it says why and gives
// the exit code: 0 when there is no history yet, 1 when it cannot be opened.
func openHistoryForReading(name string, stdout, stderr io.Writer) (*history.Store, int) {
	path, err := history.DefaultPath()
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", name, err)
		return nil, 1
	}
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		fmt.Fprintf(stdout, "No history yet: Paywatch records it at %s while it runs.\n", path)
		return nil, 0
	}
	st, notice, err := history.Open(path, history.Options{})
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", name, err)
		return nil, 1
	}
	if !notice.IsZero() {
		fmt.Fprintln(stderr, notice.String())
	}
	return st, 0
}

// configForHistory reads the settings for service names and business hours; without usable
// settings the history is still shown (by service id, without business hours).
func configForHistory(path string, stderr io.Writer, name string) *monitor.Config {
	cfg, err := loadConfigForStatus(path)
	if err != nil {
		fmt.Fprintf(stderr, "%s: settings not used: %s\n", name, strings.ReplaceAll(err.Error(), "\n", "; "))
		return nil
	}
	return cfg
}

// cmdHistory is `paywatch history [SERVICE…] [--since 7d | --from DATE --to DATE] [--json |
// --csv]`, and `paywatch history --clear`.
func cmdHistory(args []string, stdout, stderr io.Writer) int {
	const name = "paywatch history"
	fs := newFlags(name, stderr)
	since := fs.String("since", "", "how far back (default 7d)")
	from := fs.String("from", "", "from this date")
	to := fs.String("to", "", "to this date (included)")
	asJSON := fs.Bool("json", false, "print JSON")
	asCSV := fs.Bool("csv", false, "print CSV")
	clear := fs.Bool("clear", false, "delete every record")
	cfgPath := fs.String("config", "", "settings file (for service names)")
	words, err := parseInterspersed(fs, args)
	if err != nil {
		return 64
	}
	usage := func(msg string) int { fmt.Fprintf(stderr, "%s: %s\n", name, msg); return 64 }
	if *clear {
		if len(words) > 0 || *since != "" || *from != "" || *to != "" || *asJSON || *asCSV {
			return usage("--clear deletes the whole history; it takes no services, dates or formats")
		}
		return clearHistory(stdout, stderr)
	}
	if *asJSON && *asCSV {
		return usage("give --json or --csv, not both")
	}
	now := time.Now()
	if *since == "" && *from == "" && *to == "" {
		*since = "7d"
	}
	f, t, err := dateRange(*since, *from, *to, now)
	if err != nil {
		return usage(err.Error())
	}
	var cfg *monitor.Config
	if len(words) > 0 {
		cfg = configForHistory(*cfgPath, stderr, name)
	}
	st, code := openHistoryForReading(name, stdout, stderr)
	if st == nil {
		return code
	}
	defer st.Close()
	filter := history.Filter{Services: serviceIDs(cfg, words), From: f, To: t}
	evs, err := st.Timeline(context.Background(), filter)
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", name, err)
		return 1
	}
	switch {
	case *asJSON:
		err = writeTimelineJSON(stdout, filter, evs, now)
	case *asCSV:
		err = writeTimelineCSV(stdout, evs)
	default:
		err = printTimeline(stdout, filter, evs, now)
	}
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", name, err)
		return 1
	}
	return 0
}

func clearHistory(stdout, stderr io.Writer) int {
	const name = "paywatch history --clear"
	st, code := openHistoryForReading(name, stdout, stderr)
	if st == nil {
		return code
	}
	defer st.Close()
	ctx := context.Background()
	evs, err := st.Timeline(ctx, history.Filter{})
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", name, err)
		return 1
	}
	size, _ := st.Size(ctx)
	if err := st.Clear(ctx); err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", name, err)
		return 1
	}
	if len(evs) == 0 {
		fmt.Fprintf(stdout, "The history at %s was already empty.\n", st.Path())
		return 0
	}
	counts := map[history.EventKind]int{}
	for _, e := range evs {
		counts[e.Kind]++
	}
	var parts []string
	for _, k := range []struct {
		kind      history.EventKind
		one, many string
	}{
		{history.EventChange, "state change", "state changes"},
		{history.EventIncident, "incident", "incidents"},
		{history.EventIncidentUpdate, "incident update", "incident updates"},
		{history.EventMessage, "notification or channel message", "notifications and channel messages"},
		{history.EventNotWatched, "spell not watched", "spells not watched"},
	} {
		switch n := counts[k.kind]; n {
		case 0:
		case 1:
			parts = append(parts, "1 "+k.one)
		default:
			parts = append(parts, strconv.Itoa(n)+" "+k.many)
		}
	}
	fmt.Fprintf(stdout, "Cleared the history at %s: %s, from %s to %s (%s).\n", st.Path(), strings.Join(parts, ", "),
		evs[0].At.Local().Format(time.DateTime), evs[len(evs)-1].At.Local().Format(time.DateTime), sizeWords(size))
	return 0
}

func sizeWords(b int64) string {
	switch {
	case b >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(b)/(1<<20))
	case b >= 1<<10:
		return fmt.Sprintf("%d KB", b>>10)
	}
	return fmt.Sprintf("%d bytes", b)
}

// rangeWords says a timeline's range in words.
func rangeWords(f history.Filter, now time.Time) string {
	to := f.To
	if to.IsZero() {
		to = now
	}
	return fmt.Sprintf("%s to %s", f.From.Local().Format(time.DateTime), to.Local().Format(time.DateTime))
}

func printTimeline(w io.Writer, f history.Filter, evs []history.Event, now time.Time) error {
	if len(evs) == 0 {
		_, err := fmt.Fprintf(w, "Nothing recorded from %s.\n", rangeWords(f, now))
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "TIME\tSERVICE\tWHAT")
	for _, e := range evs {
		svc := e.Service
		if svc == "" {
			svc = e.ServiceID
		}
		if svc == "" {
			svc = "-"
		}
		what, text := eventWords(e)
		fmt.Fprintf(tw, "%s\t%s\t%s\n", e.At.Local().Format(time.DateTime), svc, what)
		for _, l := range text {
			fmt.Fprintf(tw, "\t\t    %s\n", strings.ReplaceAll(l, "\t", "    "))
		}
	}
	return tw.Flush()
}

// eventWords is one timeline event in words, and the lines of its text (an incident's update).
func eventWords(e history.Event) (string, []string) {
	switch e.Kind {
	case history.EventChange:
		s := fmt.Sprintf("%s → %s", history.StateLabel(e.From), history.StateLabel(e.To))
		if e.Source != "" {
			s = sourceWords(e) + ": " + s
		}
		if e.Reason != "" {
			s += " (" + squeeze(e.Reason, 120) + ")"
		}
		return s, nil
	case history.EventIncident, history.EventIncidentUpdate:
		kind := "Incident"
		if e.IncidentKind == history.KindMaintenance {
			kind = "Maintenance"
		}
		s := kind + ": " + squeeze(e.Title, 120)
		if e.Kind == history.EventIncidentUpdate {
			s = "Update to " + strings.ToLower(kind[:1]) + kind[1:] + " " + strconv.Quote(squeeze(e.Title, 100))
		}
		if e.Status != "" {
			s += " [" + e.Status + "]"
		}
		if e.URL != "" {
			s += " " + e.URL
		}
		var lines []string
		if e.Text != "" {
			// Kept as published (evidence); shown cleaned, as every page text is.
			lines = strings.Split(monitor.PageText(e.Text), "\n")
		}
		if e.SHA256 != "" {
			lines = append(lines, "sha256 "+e.SHA256)
		}
		return s, lines
	case history.EventIncidentEnd:
		kind := "Incident"
		if e.IncidentKind == history.KindMaintenance {
			kind = "Maintenance"
		}
		return kind + " over: " + squeeze(e.Title, 120), nil
	case history.EventMessage:
		if e.Channel == "" {
			return "Notified: " + squeeze(e.Title, 120), nil
		}
		s := fmt.Sprintf("%s: %s %s", e.Channel, e.Outcome, strconv.Quote(squeeze(e.Title, 100)))
		if e.Attempts > 1 {
			s += fmt.Sprintf(" after %d attempts", e.Attempts)
		}
		if e.Error != "" {
			s += " (" + squeeze(e.Error, 120) + ")"
		}
		return s, nil
	case history.EventNotWatched:
		s := "Not watched: " + e.Gap.Label()
		if e.Until.IsZero() {
			s += ", still"
		} else {
			s += " until " + e.Until.Local().Format(time.DateTime)
		}
		if e.Reason != "" {
			s += " (" + squeeze(e.Reason, 120) + ")"
		}
		return s, nil
	}
	return string(e.Kind), nil
}

func sourceWords(e history.Event) string {
	switch e.SourceKind {
	case "page":
		return "Official status page"
	case "probe":
		return "From your network (" + strings.TrimPrefix(e.Source, "probe:") + ")"
	}
	return e.Source
}

// squeeze is s on one line, cut to at most n runes.
func squeeze(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

type timelineJSON struct {
	From     time.Time       `json:"from"`
	To       time.Time       `json:"to"`
	Services []string        `json:"services,omitempty"`
	Events   []history.Event `json:"events"`
}

func writeTimelineJSON(w io.Writer, f history.Filter, evs []history.Event, now time.Time) error {
	to := f.To
	if to.IsZero() {
		to = now
	}
	if evs == nil {
		evs = []history.Event{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(timelineJSON{From: f.From, To: to, Services: f.Services, Events: evs})
}

// timelineColumns are the CSV's columns, in the JSON's names.
var timelineColumns = []string{"at", "kind", "service_id", "service", "source", "source_kind", "from", "to", "reason",
	"incident_kind", "title", "status", "impact", "text", "sha256", "url", "published_at",
	"channel", "outcome", "body", "severity", "attempts", "error", "gap", "until"}

func writeTimelineCSV(w io.Writer, evs []history.Event) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(timelineColumns); err != nil {
		return err
	}
	for _, e := range evs {
		b, err := e.MarshalJSON()
		if err != nil {
			return err
		}
		var m map[string]any
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.UseNumber()
		if err := dec.Decode(&m); err != nil {
			return err
		}
		row := make([]string, len(timelineColumns))
		for i, c := range timelineColumns {
			if v, ok := m[c]; ok && v != nil {
				row[i] = fmt.Sprint(v)
			}
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// cmdUptime is `paywatch uptime [--days 90] [--json]`.
func cmdUptime(args []string, stdout, stderr io.Writer) int {
	const name = "paywatch uptime"
	fs := newFlags(name, stderr)
	days := fs.Int("days", 90, "how many days, today included")
	asJSON := fs.Bool("json", false, "print JSON")
	if !parseOptions(fs, args, stderr) || !positive(*days > 0, fs, "--days", "--days 90", stderr) {
		return 64
	}
	if *days > 3660 {
		fmt.Fprintf(stderr, "%s: --days %d is more than ten years; the history keeps 400 days unless told otherwise\n", name, *days)
		return 64
	}
	st, code := openHistoryForReading(name, stdout, stderr)
	if st == nil {
		return code
	}
	defer st.Close()
	now := time.Now()
	up, err := st.Uptime(context.Background(), *days, now, time.Local)
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", name, err)
		return 1
	}
	if *asJSON {
		if up == nil {
			up = []history.ServiceUptime{}
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		err = enc.Encode(struct {
			Days     int                     `json:"days"`
			Services []history.ServiceUptime `json:"services"`
		}{*days, up})
	} else {
		err = printUptime(stdout, up, *days)
	}
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", name, err)
		return 1
	}
	return 0
}

// uptimeStates are the uptime table's state columns, in order.
var uptimeStates = []monitor.State{monitor.StateOperational, monitor.StateMaintenance, monitor.StateDegraded,
	monitor.StatePartialOutage, monitor.StateMajorOutage, monitor.StateUnknown}

// printUptime prints a table per service: a row per day Paywatch watched it at all, the time in
// each state and the time not watched; then its share of watched time without a problem.
func printUptime(w io.Writer, up []history.ServiceUptime, days int) error {
	if len(up) == 0 {
		_, err := fmt.Fprintf(w, "Nothing recorded in the last %d days.\n", days)
		return err
	}
	for i, s := range up {
		if i > 0 {
			fmt.Fprintln(w)
		}
		fmt.Fprintf(w, "%s (%s)\n", s.Name, s.ServiceID)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		head := []string{"DATE"}
		for _, st := range uptimeStates {
			head = append(head, strings.ToUpper(st.Label()))
		}
		fmt.Fprintln(tw, strings.Join(append(head, "NOT WATCHED"), "\t")+"\t")
		var watched, fine float64
		unwatched := 0
		for _, d := range s.Days {
			if d.Minutes.Total() == 0 {
				unwatched++
				continue
			}
			row := []string{d.Date}
			for _, st := range uptimeStates {
				row = append(row, minutesWords(d.Minutes.Of(st)))
			}
			fmt.Fprintln(tw, strings.Join(append(row, minutesWords(d.NotWatched)), "\t")+"\t")
			watched += d.Minutes.Total()
			fine += d.Minutes.Operational + d.Minutes.Maintenance
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		if unwatched > 0 {
			fmt.Fprintf(w, "Not watched at all on %d of the %d days (left out above).\n", unwatched, len(s.Days))
		}
		if watched > 0 {
			fmt.Fprintf(w, "Working (operational or maintenance) %.2f %% of the %s watched.\n", 100*fine/watched, minutesWords(watched))
		}
	}
	return nil
}

// minutesWords writes minutes as "2h 05m", "45m", "<1m" or "-" for none.
func minutesWords(m float64) string {
	switch {
	case m <= 0:
		return "-"
	case m < 1:
		return "<1m"
	}
	n := int(m + 0.5)
	if n < 60 {
		return fmt.Sprintf("%dm", n)
	}
	return fmt.Sprintf("%dh %02dm", n/60, n%60)
}

// cmdReport is `paywatch report --from DATE --to DATE [--service ID…] --out FILE`: the evidence
// pack, as HTML, CSV or JSON by the file's extension.
func cmdReport(args []string, stdout, stderr io.Writer) int {
	const name = "paywatch report"
	fs := newFlags(name, stderr)
	from := fs.String("from", "", "from this date")
	to := fs.String("to", "", "to this date (included)")
	out := fs.String("out", "", "the file to write: .html, .csv or .json")
	cfgPath := fs.String("config", "", "settings file (for business hours and service names)")
	var services []string
	fs.Func("service", "a service's id or name (repeat for several)", func(s string) error {
		if strings.TrimSpace(s) == "" {
			return errors.New("needs a service's id or name")
		}
		services = append(services, s)
		return nil
	})
	if !parseOptions(fs, args, stderr) {
		return 64
	}
	usage := func(msg string) int { fmt.Fprintf(stderr, "%s: %s\n", name, msg); return 64 }
	if *from == "" || *to == "" {
		return usage("give the period with --from and --to (" + dateHelp + ")")
	}
	if *out == "" {
		return usage("give the file to write with --out (report.html, report.csv or report.json)")
	}
	write := reportWriters[strings.ToLower(filepath.Ext(*out))]
	if write == nil {
		return usage(fmt.Sprintf("--out %q must end in .html, .csv or .json", *out))
	}
	f, t, err := dateRange("", *from, *to, time.Now())
	if err != nil {
		return usage(err.Error())
	}
	cfg := configForHistory(*cfgPath, stderr, name)
	st, code := openHistoryForReading(name, stdout, stderr)
	if st == nil {
		return code
	}
	defer st.Close()
	q := history.ReportQuery{From: f, To: t, Services: serviceIDs(cfg, services), Location: time.Local}
	if cfg != nil {
		q.BusinessHours = cfg.Alerts.BusinessHours
	}
	r, err := st.Report(context.Background(), q)
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", name, err)
		return 1
	}
	var b bytes.Buffer
	if err := write(&b, r); err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", name, err)
		return 1
	}
	if err := atomicfile.Write(*out, b.Bytes(), 0o644); err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", name, err)
		return 1
	}
	fmt.Fprintf(stdout, "Wrote %s: %s from %s to %s.\n", *out, incidentsWords(len(r.Incidents)),
		f.Local().Format(time.DateTime), t.Local().Format(time.DateTime))
	return 0
}

func incidentsWords(n int) string {
	switch n {
	case 0:
		return "no incidents or maintenance"
	case 1:
		return "1 incident or maintenance"
	}
	return fmt.Sprintf("%d incidents and maintenance", n)
}
