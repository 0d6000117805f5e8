package monitor

import (
	"fmt"
	"strings"
	"time"
)

// TimeWindow is a daily span of time on some days, in the user's time zone: from "22:00" to
// "07:00" crosses midnight and belongs to the day it starts on.
type TimeWindow struct {
	Days []string `yaml:"days,omitempty"` // mon … sun; empty means every day
	From string   `yaml:"from"`
	To   string   `yaml:"to"`
}

var weekdays = map[string]time.Weekday{
	"sun": time.Sunday, "mon": time.Monday, "tue": time.Tuesday, "wed": time.Wednesday,
	"thu": time.Thursday, "fri": time.Friday, "sat": time.Saturday,
}

func parseClock(s string) (int, error) {
	t, err := time.Parse("15:04", strings.TrimSpace(s))
	if err != nil {
		return 0, fmt.Errorf("%q is not a time of day (write it like 22:00)", s)
	}
	return t.Hour()*60 + t.Minute(), nil
}

func (w TimeWindow) validate(where string) []error {
	var errs []error
	from, err1 := parseClock(w.From)
	if err1 != nil {
		errs = append(errs, fmt.Errorf("%s.from: %v", where, err1))
	}
	to, err2 := parseClock(w.To)
	if err2 != nil {
		errs = append(errs, fmt.Errorf("%s.to: %v", where, err2))
	}
	if err1 == nil && err2 == nil && from == to {
		errs = append(errs, fmt.Errorf("%s: from and to are the same time", where))
	}
	for _, d := range w.Days {
		if _, ok := weekdays[strings.ToLower(strings.TrimSpace(d))[:min(3, len(strings.TrimSpace(d)))]]; !ok {
			errs = append(errs, fmt.Errorf("%s.days: %q is not a day (use mon, tue, wed, thu, fri, sat, sun)", where, d))
		}
	}
	return errs
}

func (w TimeWindow) onDay(d time.Weekday) bool {
	if len(w.Days) == 0 {
		return true
	}
	for _, s := range w.Days {
		s = strings.ToLower(strings.TrimSpace(s))
		if wd, ok := weekdays[s[:min(3, len(s))]]; ok && wd == d {
			return true
		}
	}
	return false
}

// Contains reports whether t (in its own location) falls inside the window. A window that
// crosses midnight counts for the day it starts on.
func (w TimeWindow) Contains(t time.Time) bool {
	from, err1 := parseClock(w.From)
	to, err2 := parseClock(w.To)
	if err1 != nil || err2 != nil {
		return false
	}
	m := t.Hour()*60 + t.Minute()
	if from < to {
		return m >= from && m < to && w.onDay(t.Weekday())
	}
	// Crosses midnight: the evening part belongs to today, the morning part to yesterday.
	if m >= from {
		return w.onDay(t.Weekday())
	}
	if m < to {
		return w.onDay(t.AddDate(0, 0, -1).Weekday())
	}
	return false
}
