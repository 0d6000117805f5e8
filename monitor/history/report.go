package history

import (
	"cmp"
	"context"
	"database/sql"
	_ "embed"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/paywatch/paywatch/monitor"
)

// HashNote says how the report's hashes can be checked; every format carries it.
const HashNote = "Each update's SHA-256 is computed over its text exactly as shown here and as the status page " +
	"published it: the text's UTF-8 bytes, with line breaks kept as they were (a line feed, byte 0x0A, where the " +
	"page had one), nothing trimmed, no newline added at the end, and no HTML escaping (an ampersand is the one " +
	"byte \"&\", never \"&amp;\"). To check one, save the text in a file with no final newline and run " +
	"\"sha256sum FILE\" (Linux), \"shasum -a 256 FILE\" (macOS) or \"Get-FileHash -Algorithm SHA256 FILE\" " +
	"(Windows PowerShell); for a one-line text, printf '%s' 'the text' | sha256sum does the same (write any ' " +
	"in the text as '\\''). The result must equal the hash given. The hash proves the text has not changed since " +
	"Paywatch recorded it at the time given; it does not prove what the page said at other times."

// ReportQuery selects what an evidence report covers.
type ReportQuery struct {
	From, To time.Time
	Services []string // none: every service
	// Location is the time zone the report is written in (default time.Local).
	Location *time.Location
	// BusinessHours, when set, gives each incident's part inside them (alerts.business_hours).
	BusinessHours *monitor.TimeWindow
	// Now ends what is still going on and dates the report (default: the store's clock).
	Now time.Time
}

// Report is an evidence pack: every incident in a range with its texts as published, what the
// user's own network saw, the spells Paywatch was not watching and the notifications sent.
type Report struct {
	GeneratedAt   time.Time        `json:"generated_at"`
	From          time.Time        `json:"from"`
	To            time.Time        `json:"to"`
	TimeZone      string           `json:"time_zone"`
	Services      []string         `json:"services,omitempty"`
	BusinessHours string           `json:"business_hours,omitempty"`
	Incidents     []IncidentRecord `json:"incidents"`
	NotWatched    []Gap            `json:"not_watched"`
	HashNote      string           `json:"hash_note"`
	// Location is the time zone the writers use (UTC when nil).
	Location *time.Location `json:"-"`
}

// Report gathers an evidence report.
func (s *Store) Report(ctx context.Context, q ReportQuery) (Report, error) {
	now := q.Now
	if now.IsZero() {
		now = s.opt.Now()
	}
	loc := q.Location
	if loc == nil {
		loc = time.Local
	}
	to := q.To
	if to.IsZero() {
		to = now
	}
	incs, err := s.Incidents(ctx, IncidentQuery{From: q.From, To: to, Services: q.Services, Now: now, InBusinessHours: BusinessHours(q.BusinessHours, loc)})
	if err != nil {
		return Report{}, err
	}
	r := Report{GeneratedAt: now, From: q.From, To: to, TimeZone: loc.String(), Services: q.Services,
		BusinessHours: describeWindow(q.BusinessHours), Incidents: incs, HashNote: HashNote, Location: loc}
	if r.Incidents == nil {
		r.Incidents = []IncidentRecord{}
	}
	err = s.readTx(ctx, func(tx *sql.Tx) error {
		gs, err := s.gaps(ctx, tx, ms(q.From), ms(to), now.UnixMilli())
		r.NotWatched = gs
		return err
	})
	if err != nil {
		return Report{}, fmt.Errorf("history: report: %w", err)
	}
	if r.NotWatched == nil {
		r.NotWatched = []Gap{}
	}
	return r, nil
}

// describeWindow says business hours in words: "mon–fri 09:00–17:00".
func describeWindow(w *monitor.TimeWindow) string {
	if w == nil {
		return ""
	}
	days := "every day"
	if len(w.Days) > 0 {
		days = strings.Join(w.Days, ", ")
	}
	return fmt.Sprintf("%s, %s–%s", days, w.From, w.To)
}

func (r Report) loc() *time.Location {
	if r.Location == nil {
		return time.UTC
	}
	return r.Location
}

// WriteJSON writes the report as indented JSON.
func WriteJSON(w io.Writer, r Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(r); err != nil {
		return fmt.Errorf("history: write json: %w", err)
	}
	return nil
}

// csvHeader are the CSV columns; each row is one record of the kind in the first column.
var csvHeader = []string{"record", "service_id", "service", "kind", "title", "impact", "status", "start", "end", "ongoing",
	"duration_minutes", "business_hours_minutes", "first_seen", "last_seen", "ended_at", "published_at", "url",
	"at", "source", "from", "to", "channel", "outcome", "text", "sha256", "detail"}

// cell guards a free-text cell against spreadsheets that run text starting with =, +, -, @ as a
// formula: such a text gets a leading apostrophe (remove it before checking a hash).
func cell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// WriteCSV writes the report as one CSV table: a row per incident, then its updates, source
// changes, messages and not-watched spells, each marked in the "record" column.
func WriteCSV(w io.Writer, r Report) error {
	loc := r.loc()
	tf := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.In(loc).Format(time.RFC3339)
	}
	mins := func(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }
	cw := csv.NewWriter(w)
	if err := cw.Write(csvHeader); err != nil {
		return fmt.Errorf("history: write csv: %w", err)
	}
	row := func(m map[string]string) {
		rec := make([]string, len(csvHeader))
		for i, h := range csvHeader {
			rec[i] = m[h]
		}
		_ = cw.Write(rec)
	}
	for _, in := range r.Incidents {
		base := map[string]string{"service_id": in.ServiceID, "service": cell(in.Service), "kind": in.Kind, "title": cell(in.Title)}
		with := func(kv ...string) map[string]string {
			m := make(map[string]string, len(base)+len(kv)/2)
			for k, v := range base {
				m[k] = v
			}
			for i := 0; i+1 < len(kv); i += 2 {
				m[kv[i]] = kv[i+1]
			}
			return m
		}
		row(with("record", "incident", "impact", StateName(in.Impact), "status", cell(in.Status), "start", tf(in.Start), "end", tf(in.End),
			"ongoing", strconv.FormatBool(in.Ongoing), "duration_minutes", mins(in.DurationMinutes), "business_hours_minutes", mins(in.BusinessMinutes),
			"first_seen", tf(in.FirstSeen), "last_seen", tf(in.LastSeen), "ended_at", tf(in.EndedAt), "published_at", tf(in.ResolvedAt),
			"url", cell(cmp.Or(in.URL, in.PageURL))))
		for _, u := range in.Updates {
			row(with("record", "update", "impact", StateName(u.Impact), "status", cell(u.Status), "at", tf(u.SeenAt), "published_at", tf(u.PublishedAt),
				"text", cell(u.Text), "sha256", u.SHA256))
		}
		for _, e := range in.Sources {
			row(with("record", "source_change", "at", tf(e.At), "source", e.Source, "from", StateName(e.From), "to", StateName(e.To), "detail", cell(e.Reason)))
		}
		for _, g := range in.NotWatched {
			row(with("record", "not_watched", "at", tf(g.From), "end", tf(g.To), "ongoing", strconv.FormatBool(g.Ongoing), "status", string(g.Kind), "detail", cell(g.Reason)))
		}
		for _, m := range in.Messages {
			row(with("record", "message", "at", tf(m.At), "channel", cell(m.Channel), "outcome", string(m.Outcome), "text", cell(m.Title+"\n"+m.Body), "detail", cell(m.Error)))
		}
	}
	for _, g := range r.NotWatched {
		row(map[string]string{"record": "not_watched", "at": tf(g.From), "end": tf(g.To), "ongoing": strconv.FormatBool(g.Ongoing), "status": string(g.Kind), "detail": cell(g.Reason)})
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("history: write csv: %w", err)
	}
	return nil
}

//go:embed report.html.tmpl
var reportHTML string

var reportTmpl = template.Must(template.New("report").Funcs(template.FuncMap{
	"stateLabel": StateLabel,
	"stateName":  StateName,
	"dur": func(d time.Duration) string {
		if d <= 0 {
			return "—"
		}
		return monitor.HumanDuration(d)
	},
	"mins": func(m float64) string { return monitor.HumanDuration(time.Duration(m * float64(time.Minute))) },
	"add":  func(a, b int) int { return a + b },
}).Parse(reportHTML))

// htmlView is the report with times formatted and the timelines drawn.
type htmlView struct {
	Report
	Rows          []summaryRow
	Total         summaryRow
	Incidents     []incidentView
	NotWatched    []gapView
	GeneratedAt   string
	From, To      string
	ServicesLine  string
	HasBusiness   bool
	NotWatchedSum time.Duration
}

type summaryRow struct {
	Anchor, Service, Title, Kind, Impact, ImpactClass, Start, End string
	Ongoing                                                       bool
	Duration, Business                                            time.Duration
	Updates, Messages                                             int
}

type gapView struct {
	Label, From, To, Reason string
	Duration                time.Duration
	Ongoing                 bool
}

type updateView struct {
	Seen, Published, Status, Impact, ImpactClass, Title, Text, SHA256 string
	TitleChanged                                                      bool
}

type sourceView struct {
	At, Source, Kind, From, To, ToClass, Reason string
}

type messageView struct {
	At, Channel, Outcome, Title, Body, Error string
}

type incidentView struct {
	IncidentRecord
	Anchor, ImpactClass                                                      string
	Created, Updated, Resolved, StartsAt, EndsAt, FirstSeen, LastSeen, Ended string
	StartS, EndS                                                             string
	UpdatesV                                                                 []updateView
	Network, Official                                                        []sourceView
	Gaps                                                                     []gapView
	MessagesV                                                                []messageView
	SVG                                                                      template.HTML
}

func stateClass(s monitor.State) string {
	if s == NotWatched {
		return "s-nw"
	}
	return "s-" + strings.ReplaceAll(s.String(), "_", "-")
}

// WriteHTML writes the report as one self-contained HTML page: inline CSS and SVG, no scripts,
// nothing fetched; it prints cleanly to PDF from a browser.
func WriteHTML(w io.Writer, r Report) error {
	loc := r.loc()
	tf := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.In(loc).Format("Mon 2006-01-02 15:04:05 -07:00")
	}
	v := htmlView{Report: r, GeneratedAt: tf(r.GeneratedAt), From: tf(r.From), To: tf(r.To), HasBusiness: r.BusinessHours != ""}
	if len(r.Services) == 0 {
		v.ServicesLine = "all services in the history"
	} else {
		v.ServicesLine = strings.Join(r.Services, ", ")
	}
	for _, g := range r.NotWatched {
		v.NotWatched = append(v.NotWatched, gapOf(g, tf))
		v.NotWatchedSum += g.To.Sub(g.From)
	}
	for i, in := range r.Incidents {
		anchor := "incident-" + strconv.Itoa(i+1)
		row := summaryRow{Anchor: anchor, Service: in.Service, Title: in.Title, Kind: in.Kind, Impact: StateLabel(in.Impact), ImpactClass: stateClass(in.Impact),
			Start: tf(in.Start), End: tf(in.End), Ongoing: in.Ongoing, Duration: in.Duration, Business: in.BusinessDuration,
			Updates: len(in.Updates), Messages: len(in.Messages)}
		v.Rows = append(v.Rows, row)
		v.Total.Duration += in.Duration
		v.Total.Business += in.BusinessDuration
		v.Total.Updates += len(in.Updates)
		v.Total.Messages += len(in.Messages)
		iv := incidentView{IncidentRecord: in, Anchor: anchor, ImpactClass: stateClass(in.Impact),
			Created: tf(in.CreatedAt), Updated: tf(in.UpdatedAt), Resolved: tf(in.ResolvedAt), StartsAt: tf(in.StartsAt), EndsAt: tf(in.EndsAt),
			FirstSeen: tf(in.FirstSeen), LastSeen: tf(in.LastSeen), Ended: tf(in.EndedAt), StartS: tf(in.Start), EndS: tf(in.End)}
		prevTitle := in.Title
		for j, u := range in.Updates {
			iv.UpdatesV = append(iv.UpdatesV, updateView{Seen: tf(u.SeenAt), Published: tf(u.PublishedAt), Status: u.Status,
				Impact: StateLabel(u.Impact), ImpactClass: stateClass(u.Impact), Title: u.Title, Text: u.Text, SHA256: u.SHA256,
				TitleChanged: j == 0 && u.Title != in.Title || j > 0 && u.Title != prevTitle})
			prevTitle = u.Title
		}
		for _, e := range in.Sources {
			sv := sourceView{At: tf(e.At), Source: e.Source, Kind: e.SourceKind, From: StateLabel(e.From), To: StateLabel(e.To), ToClass: stateClass(e.To), Reason: e.Reason}
			if e.SourceKind == monitor.KindProbe.String() {
				iv.Network = append(iv.Network, sv)
			} else {
				iv.Official = append(iv.Official, sv)
			}
		}
		for _, g := range in.NotWatched {
			iv.Gaps = append(iv.Gaps, gapOf(g, tf))
		}
		for _, m := range in.Messages {
			ch := m.Channel
			if ch == "" {
				ch = "Paywatch notification"
			}
			iv.MessagesV = append(iv.MessagesV, messageView{At: tf(m.At), Channel: ch, Outcome: string(m.Outcome), Title: m.Title, Body: m.Body, Error: m.Error})
		}
		iv.SVG = timelineSVG(in, loc)
		v.Incidents = append(v.Incidents, iv)
	}
	if err := reportTmpl.Execute(w, v); err != nil {
		return fmt.Errorf("history: write html: %w", err)
	}
	return nil
}

func gapOf(g Gap, tf func(time.Time) string) gapView {
	return gapView{Label: g.Kind.Label(), From: tf(g.From), To: tf(g.To), Reason: g.Reason, Duration: g.To.Sub(g.From), Ongoing: g.Ongoing}
}

// timelineSVG draws an incident: the official incident with a mark per update, each source's
// problem spells, and the spells Paywatch was not watching, on one time axis. Everything it
// writes is numbers, fixed words and escaped names.
func timelineSVG(in IncidentRecord, loc *time.Location) template.HTML {
	const width, left, rowH = 960.0, 170.0, 26.0
	t0, t1 := in.Start.Add(-around), in.End.Add(around)
	span := t1.Sub(t0).Seconds()
	if span <= 0 {
		span = 1
	}
	x := func(t time.Time) float64 {
		f := t.Sub(t0).Seconds() / span
		return left + max(0, min(1, f))*(width-left-10)
	}
	type mark struct {
		x, w         float64 // a bar; w < 0 marks a dot at x
		class, title string
	}
	type row struct {
		label string
		marks []mark
	}
	bar := func(a, b time.Time, class, title string) mark {
		x0, x1 := x(a), x(b)
		return mark{x: x0, w: max(1.5, x1-x0), class: class, title: title}
	}
	var rows []row
	official := row{label: "Official: " + in.Kind}
	official.marks = append(official.marks, bar(in.Start, in.End, stateClass(in.Impact), in.Title))
	for _, u := range in.Updates {
		official.marks = append(official.marks, mark{x: x(u.SeenAt), w: -1, class: "upd", title: u.SeenAt.In(loc).Format("15:04:05") + " " + u.Status})
	}
	rows = append(rows, official)
	// Each source's spells in a state other than operational.
	bySource := map[string][]Event{}
	var order []string
	for _, e := range in.Sources {
		if _, ok := bySource[e.Source]; !ok {
			order = append(order, e.Source)
		}
		bySource[e.Source] = append(bySource[e.Source], e)
	}
	for _, src := range order {
		evs := bySource[src]
		label := "Official page"
		if evs[0].SourceKind == monitor.KindProbe.String() {
			label = "Your network: " + strings.TrimPrefix(src, "probe:")
		}
		r := row{label: label}
		for i, e := range evs {
			end := t1
			if i+1 < len(evs) {
				end = evs[i+1].At
			}
			start := e.At
			if start.Before(t0) {
				start = t0
			}
			if e.To != monitor.StateOperational && end.After(start) {
				r.marks = append(r.marks, bar(start, end, stateClass(e.To), StateLabel(e.To)+": "+e.Reason))
			}
		}
		rows = append(rows, r)
	}
	watch := row{label: "Paywatch watching"}
	watch.marks = append(watch.marks, bar(t0, t1, "watch", "watching"))
	for _, g := range in.NotWatched {
		watch.marks = append(watch.marks, bar(g.From, g.To, "s-nw", g.Kind.Label()))
	}
	rows = append(rows, watch)

	esc := template.HTMLEscapeString
	var b strings.Builder
	height := 30 + rowH*float64(len(rows))
	fmt.Fprintf(&b, `<svg class="timeline" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %.0f %.0f" role="img" aria-label="Timeline">`, width, height)
	for i, r := range rows {
		y := 6 + rowH*float64(i)
		fmt.Fprintf(&b, `<text class="lbl" x="4" y="%.1f">%s</text>`, y+11, esc(shorten(r.label, 26)))
		fmt.Fprintf(&b, `<line class="lane" x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f"/>`, left, width-10, y+7, y+7)
		for _, m := range r.marks {
			if m.w < 0 {
				fmt.Fprintf(&b, `<circle class="%s" cx="%.1f" cy="%.1f" r="4"><title>%s</title></circle>`, m.class, m.x, y+7, esc(m.title))
				continue
			}
			fmt.Fprintf(&b, `<rect class="%s" x="%.1f" y="%.1f" width="%.1f" height="14"><title>%s</title></rect>`, m.class, m.x, y, m.w, esc(m.title))
		}
	}
	axisY := 6 + rowH*float64(len(rows))
	for i := range 5 {
		t := t0.Add(time.Duration(float64(i) / 4 * float64(t1.Sub(t0))))
		anchor := "middle"
		if i == 0 {
			anchor = "start"
		} else if i == 4 {
			anchor = "end"
		}
		fmt.Fprintf(&b, `<line class="tick" x1="%.1f" x2="%.1f" y1="4" y2="%.1f"/><text class="axis" x="%.1f" y="%.1f" text-anchor="%s">%s</text>`,
			x(t), x(t), axisY, x(t), axisY+14, anchor, t.In(loc).Format("Jan 2 15:04"))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
