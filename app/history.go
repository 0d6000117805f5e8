package app

import (
	"context"
	"fmt"
	"image/color"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/paywatch/paywatch/monitor"
	"github.com/paywatch/paywatch/monitor/history"
)

// History is what the status window reads of Paywatch's record; *history.Store has it.
type History interface {
	DailyWorst(ctx context.Context, days int, now time.Time, loc *time.Location) ([]history.ServiceDays, error)
	Incidents(ctx context.Context, q history.IncidentQuery) ([]history.IncidentRecord, error)
}

// ExportFunc writes an evidence report of [from, to) for the services (none: every one) to
// path, as HTML, CSV or JSON by path's extension.
type ExportFunc func(from, to time.Time, services []string, path string) error

// historyDays is how many daily bars each service gets.
const historyDays = 90

// queryTimeout bounds one read of the record.
const queryTimeout = 30 * time.Second

// The bars' colours: the tray icons' colours for the states, a grey for "could not tell", and
// for the days Paywatch was not watching a see-through grey, faint on a light theme and on a
// dark one alike.
var stateColors = map[monitor.State]color.NRGBA{
	monitor.StateOperational:   {0x1f, 0x9d, 0x55, 0xff},
	monitor.StateMaintenance:   {0x25, 0x63, 0xeb, 0xff},
	monitor.StateDegraded:      {0xe6, 0xb8, 0x00, 0xff},
	monitor.StatePartialOutage: {0xea, 0x6a, 0x0a, 0xff},
	monitor.StateMajorOutage:   {0xd1, 0x24, 0x2f, 0xff},
	monitor.StateUnknown:       {0x8a, 0x8f, 0x98, 0xff},
	history.NotWatched:         {0x9a, 0xa0, 0xa8, 0x55},
}

// BarColor is the colour of a day's bar for its worst state.
func BarColor(s monitor.State) color.NRGBA {
	if c, ok := stateColors[s]; ok {
		return c
	}
	return stateColors[monitor.StateUnknown]
}

// historyView is the History tab: per service, a bar for each of the last 90 days coloured by
// its worst state, and below them the incidents of the day chosen.
type historyView struct {
	w        *StatusWindow
	content  fyne.CanvasObject
	status   *widget.Label
	hint     *widget.Label
	rows     *fyne.Container
	scroll   *container.Scroll
	dayPane  *container.Scroll
	dayTitle *widget.Label
	day      *fyne.Container

	// Owned by the Fyne goroutine:
	bars        map[string][]*dayBar // by service ID, oldest first
	chosen      *dayBar
	loadedAt    time.Time
	seq, daySeq int

	// loads are the reads of the record in flight (tests wait for them).
	loads sync.WaitGroup
}

func newHistoryView(w *StatusWindow) *historyView {
	v := &historyView{w: w, bars: map[string][]*dayBar{}}
	intro := wrapped("The last 90 days, each day coloured by its worst moment. Grey days are days Paywatch was not watching (the computer was off, asleep or offline). Choose a day to see what happened.")
	v.status = widget.NewLabel("")
	v.status.Hide()
	v.hint = widget.NewLabel(hintText)
	v.hint.SizeName = theme.SizeNameCaptionText
	v.rows = container.NewVBox()
	v.dayTitle = heading("")
	v.dayTitle.Wrapping = fyne.TextWrapWord
	v.day = container.NewVBox(widget.NewLabel("Choose a day above to see its incidents and maintenance."))
	v.scroll = container.NewVScroll(container.NewPadded(container.NewVBox(v.status, v.rows)))
	// The chosen day's incidents stay in view below the bars, however far they are scrolled.
	v.dayPane = container.NewVScroll(container.NewPadded(container.NewVBox(v.dayTitle, v.day)))
	split := container.NewVSplit(v.scroll, v.dayPane)
	split.Offset = 0.6
	v.content = container.NewBorder(container.NewVBox(intro, legend(), v.hint), nil, nil, nil, split)
	return v
}

const hintText = "Point at a day to see its date."

// hover names the day under the pointer.
func (v *historyView) hover(b *dayBar, in bool) {
	if !in {
		v.hint.SetText(hintText)
		return
	}
	v.hint.SetText(fmt.Sprintf("%s, %s: %s", b.name, b.day.Start.Format("Mon 2 Jan 2006"), dayWords(b.day.State)))
}

// legend names the bars' colours.
func legend() fyne.CanvasObject {
	box := container.NewHBox()
	for _, s := range []monitor.State{monitor.StateOperational, monitor.StateMaintenance, monitor.StateDegraded, monitor.StatePartialOutage, monitor.StateMajorOutage, monitor.StateUnknown, history.NotWatched} {
		sw := canvas.NewRectangle(BarColor(s))
		sw.SetMinSize(fyne.NewSize(12, 12))
		label := history.StateLabel(s)
		if s == monitor.StateUnknown {
			label = "Can't tell"
		}
		box.Add(container.NewHBox(container.NewCenter(sw), widget.NewLabel(label)))
	}
	return container.NewHScroll(box)
}

// maybeReload reads the record again when the bars are a minute old.
func (v *historyView) maybeReload(now time.Time) {
	if now.Sub(v.loadedAt) >= time.Minute {
		v.reload()
	}
}

// reload reads the daily bars off the Fyne goroutine and draws them on it.
func (v *historyView) reload() {
	now := v.w.now()
	v.loadedAt = now
	v.seq++
	seq, h, do := v.seq, v.w.history, v.w.do
	v.loads.Go(func() {
		ctx, cancel := context.WithTimeout(context.Background(), queryTimeout)
		defer cancel()
		days, err := h.DailyWorst(ctx, historyDays, now, now.Location())
		do(func() {
			if seq == v.seq {
				v.apply(days, err, now)
			}
		})
	})
}

func (v *historyView) apply(days []history.ServiceDays, err error, now time.Time) {
	if err != nil {
		v.status.SetText("Could not read the history: " + err.Error())
		v.status.Show()
		return
	}
	v.status.Hide()
	if len(days) == 0 {
		v.status.SetText("Nothing recorded yet: the bars fill in while Paywatch watches.")
		v.status.Show()
	}
	// The services watched now, in the list's order, then the ones no longer watched.
	byID := map[string]history.ServiceDays{}
	for _, d := range days {
		byID[d.ServiceID] = d
	}
	var order []history.ServiceDays
	seen := map[string]bool{}
	for _, sv := range v.w.last.Services {
		d, ok := byID[sv.ID]
		if !ok {
			d = unwatchedDays(sv.ID, sv.Name, now)
		}
		d.Name = sv.Name
		order = append(order, d)
		seen[sv.ID] = true
	}
	for _, d := range days {
		if !seen[d.ServiceID] {
			order = append(order, d)
		}
	}
	var chosenID, chosenDate string
	if v.chosen != nil {
		chosenID, chosenDate = v.chosen.service, v.chosen.day.Date
	}
	v.chosen = nil
	v.bars = map[string][]*dayBar{}
	var rows []fyne.CanvasObject
	for _, sd := range order {
		rows = append(rows, v.serviceRow(sd))
		for _, b := range v.bars[sd.ServiceID] {
			if b.service == chosenID && b.day.Date == chosenDate {
				v.mark(b)
			}
		}
	}
	v.rows.Objects = rows
	v.relayout()
}

// relayout fits the scrolled content to what it now holds.
func (v *historyView) relayout() {
	v.rows.Refresh()
	v.day.Refresh()
	for _, sc := range []*container.Scroll{v.scroll, v.dayPane} {
		sc.Content.Refresh()
		sc.Refresh()
	}
}

// unwatchedDays are the bars of a service with nothing recorded: every day not watched.
func unwatchedDays(id, name string, now time.Time) history.ServiceDays {
	sd := history.ServiceDays{ServiceID: id, Name: name, Days: make([]history.DayState, historyDays)}
	for i := range sd.Days {
		start := time.Date(now.Year(), now.Month(), now.Day()-(historyDays-1)+i, 0, 0, 0, 0, now.Location())
		sd.Days[i] = history.DayState{Date: start.Format(time.DateOnly), Start: start, State: history.NotWatched}
	}
	return sd
}

func (v *historyView) serviceRow(sd history.ServiceDays) fyne.CanvasObject {
	problems := 0
	bars := make([]fyne.CanvasObject, len(sd.Days))
	for i, d := range sd.Days {
		if d.State.IsProblem() {
			problems++
		}
		b := newDayBar(sd.ServiceID, sd.Name, d, v.choose)
		b.onHover = v.hover
		v.bars[sd.ServiceID] = append(v.bars[sd.ServiceID], b)
		bars[i] = b
	}
	summary := "No problems recorded"
	switch {
	case problems == 1:
		summary = "1 day with problems"
	case problems > 1:
		summary = fmt.Sprintf("%d days with problems", problems)
	}
	sum := widget.NewLabel(summary)
	sum.SizeName = theme.SizeNameCaptionText
	older := widget.NewLabel(fmt.Sprintf("%d days ago", historyDays))
	older.SizeName = theme.SizeNameCaptionText
	today := widget.NewLabel("Today")
	today.SizeName = theme.SizeNameCaptionText
	return container.NewVBox(
		container.NewBorder(nil, nil, nil, sum, heading(sd.Name)),
		container.New(&barsLayout{gap: 2}, bars...),
		container.New(layout.NewCustomPaddedHBoxLayout(0), older, layout.NewSpacer(), today),
	)
}

// mark outlines the chosen bar.
func (v *historyView) mark(b *dayBar) {
	if v.chosen != nil {
		v.chosen.setChosen(false)
	}
	v.chosen = b
	b.setChosen(true)
}

// choose lists a day's incidents and maintenance, read off the Fyne goroutine.
func (v *historyView) choose(b *dayBar) {
	v.mark(b)
	start := b.day.Start.In(v.w.now().Location())
	end := time.Date(start.Year(), start.Month(), start.Day()+1, 0, 0, 0, 0, start.Location())
	v.dayTitle.SetText(fmt.Sprintf("%s, %s: %s", b.name, start.Format("Monday 2 January 2006"), dayWords(b.day.State)))
	v.day.Objects = []fyne.CanvasObject{widget.NewLabel("Reading the history…")}
	v.relayout()
	v.daySeq++
	seq, h, now, id, state, do := v.daySeq, v.w.history, v.w.now(), b.service, b.day.State, v.w.do
	v.loads.Go(func() {
		ctx, cancel := context.WithTimeout(context.Background(), queryTimeout)
		defer cancel()
		recs, err := h.Incidents(ctx, history.IncidentQuery{From: start, To: end, Services: []string{id}, Now: now})
		do(func() {
			if seq == v.daySeq {
				v.showDay(recs, err, start, state)
			}
		})
	})
}

func dayWords(s monitor.State) string {
	switch s {
	case history.NotWatched:
		return "not watched"
	case monitor.StateUnknown:
		return "could not tell"
	}
	return "worst " + strings.ToLower(s.Label())
}

func (v *historyView) showDay(recs []history.IncidentRecord, err error, day time.Time, state monitor.State) {
	var objs []fyne.CanvasObject
	switch {
	case err != nil:
		objs = append(objs, wrapped("Could not read the history: "+err.Error()))
	case len(recs) == 0 && state == history.NotWatched:
		objs = append(objs, wrapped("Paywatch was not watching on this day."))
	case len(recs) == 0:
		objs = append(objs, wrapped("No incidents or maintenance were published on this day."))
	}
	for _, r := range recs {
		objs = append(objs, recordObjects(r, day)...)
	}
	v.day.Objects = objs
	v.relayout()
	v.dayPane.ScrollToTop()
}

// recordObjects is an incident or maintenance as the history has it: its title, kind, impact,
// when and how long, and every text it published.
func recordObjects(r history.IncidentRecord, day time.Time) []fyne.CanvasObject {
	title := heading(monitor.Sanitize(r.Title, 200))
	title.Wrapping = fyne.TextWrapWord
	kind := "Incident"
	if r.Kind == history.KindMaintenance {
		kind = "Maintenance"
	}
	when := RecordSpan(r, day)
	meta := fmt.Sprintf("%s · %s · %s", kind, strings.ToLower(r.Impact.Label()), when)
	if r.Filtered {
		meta += " · not on the components you watch"
	}
	lines := []string{meta}
	for _, u := range r.Updates {
		at := u.PublishedAt
		if at.IsZero() {
			at = u.SeenAt
		}
		line := clock(at, day)
		if u.Status != "" {
			line += " · " + u.Status
		}
		lines = append(lines, line+": "+monitor.Sanitize(u.Text, 2000))
	}
	return []fyne.CanvasObject{title, wrapped(strings.Join(lines, "\n"))}
}

// RecordSpan says when a recorded incident ran and for how long, times on day itself without
// their date: "09:58–11:28 (1 hour 30 minutes)", "since 09:58, still going on (2 hours so far)".
func RecordSpan(r history.IncidentRecord, day time.Time) string {
	if r.Ongoing {
		return fmt.Sprintf("since %s, still going on (%s so far)", clock(r.Start, day), monitor.HumanDuration(r.Duration))
	}
	return fmt.Sprintf("%s–%s (%s)", clock(r.Start, day), clock(r.End, day), monitor.HumanDuration(r.Duration))
}

// clock is a time in day's zone: "09:58" on day itself, with the date on another.
func clock(t, day time.Time) string {
	t = t.In(day.Location())
	if sameDay(t, day) {
		return t.Format("15:04")
	}
	return t.Format("Mon 2 Jan 15:04")
}

// dayBar is one day of one service: a bar in its worst state's colour; tapping it chooses it.
type dayBar struct {
	widget.BaseWidget
	service, name string
	day           history.DayState
	rect          *canvas.Rectangle
	onTap         func(*dayBar)
	onHover       func(b *dayBar, in bool)
}

func newDayBar(service, name string, d history.DayState, onTap func(*dayBar)) *dayBar {
	b := &dayBar{service: service, name: name, day: d, onTap: onTap, rect: canvas.NewRectangle(BarColor(d.State))}
	b.rect.CornerRadius = 1
	b.ExtendBaseWidget(b)
	return b
}

func (b *dayBar) CreateRenderer() fyne.WidgetRenderer { return widget.NewSimpleRenderer(b.rect) }

// MinSize is a thin, tall bar.
func (b *dayBar) MinSize() fyne.Size { return fyne.NewSize(3, 30) }

// Tapped chooses the day.
func (b *dayBar) Tapped(*fyne.PointEvent) { b.onTap(b) }

// MouseIn names the day (desktop.Hoverable).
func (b *dayBar) MouseIn(*desktop.MouseEvent) {
	if b.onHover != nil {
		b.onHover(b, true)
	}
}

// MouseMoved does nothing: the day under the pointer is named once, on entering.
func (b *dayBar) MouseMoved(*desktop.MouseEvent) {}

// MouseOut takes the name away.
func (b *dayBar) MouseOut() {
	if b.onHover != nil {
		b.onHover(b, false)
	}
}

func (b *dayBar) setChosen(on bool) {
	if on {
		b.rect.StrokeColor = theme.Color(theme.ColorNameForeground)
		b.rect.StrokeWidth = 2
	} else {
		b.rect.StrokeWidth = 0
	}
	b.rect.Refresh()
}

// barsLayout shares the width among the bars, gap apart, each as tall as the row.
type barsLayout struct{ gap float32 }

func (l *barsLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	n := float32(len(objs))
	if n == 0 {
		return
	}
	w := (size.Width - l.gap*(n-1)) / n
	for i, o := range objs {
		o.Move(fyne.NewPos(float32(i)*(w+l.gap), 0))
		o.Resize(fyne.NewSize(w, size.Height))
	}
}

func (l *barsLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	var w, h float32
	for i, o := range objs {
		m := o.MinSize()
		w += m.Width
		if i > 0 {
			w += l.gap
		}
		h = max(h, m.Height)
	}
	return fyne.NewSize(w, h)
}
