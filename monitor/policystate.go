package monitor

import (
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/paywatch/paywatch/internal/atomicfile"
)

// PolicyState is what the policy remembers; it is saved to disk after every change.
type PolicyState struct {
	Version int `json:"version"`
	// Notified is, per service, the state the user was last told about.
	Notified map[string]State `json:"notified"`
	// NotifiedAt is when, for reminders.
	NotifiedAt map[string]time.Time `json:"notified_at"`
	// Incidents are incident keys already announced, with the impact announced.
	Incidents map[string]State `json:"incidents"`
	// Acks are acknowledged incident keys with the service state when acknowledged.
	Acks map[string]State `json:"acks"`
	// Snoozes: service id (or "" for all) → until when.
	Snoozes map[string]time.Time `json:"snoozes"`
	// Maint: maintenance key → marks already sent ("24h0m0s").
	Maint map[string][]string `json:"maintenance"`
	// Held are notifications kept back during quiet hours.
	Held []Notification `json:"held"`
	// Pending notifications wait for a pause of StormWindow, so that a burst becomes one
	// summary.
	Pending      []Notification `json:"pending"`
	PendingSince time.Time      `json:"pending_since,omitzero"`
	PendingLast  time.Time      `json:"pending_last,omitzero"`
	// PendingMore counts the notifications of the burst left out of Pending (a service adds
	// maxPendingPerService at most).
	PendingMore int `json:"pending_more,omitempty"`
	// Seen is when each remembered incident or maintenance was last open on its page; entries
	// gone for PruneAfter are forgotten, so the file does not grow for ever.
	Seen map[string]time.Time `json:"seen"`
}

// NewPolicyState returns an empty state.
func NewPolicyState() *PolicyState {
	s := &PolicyState{Version: 1}
	s.init()
	return s
}

func (s *PolicyState) init() {
	if s.Notified == nil {
		s.Notified = map[string]State{}
	}
	if s.NotifiedAt == nil {
		s.NotifiedAt = map[string]time.Time{}
	}
	if s.Incidents == nil {
		s.Incidents = map[string]State{}
	}
	if s.Acks == nil {
		s.Acks = map[string]State{}
	}
	if s.Snoozes == nil {
		s.Snoozes = map[string]time.Time{}
	}
	if s.Maint == nil {
		s.Maint = map[string][]string{}
	}
	if s.Seen == nil {
		s.Seen = map[string]time.Time{}
	}
}

// prune forgets incidents and maintenances that have not been open for PruneAfter. An id never
// comes back once closed, so forgetting it cannot repeat a notification.
//
// What one page can add is bounded too: only what is remembered gets a Seen entry (not every
// incident a page lists), and a service keeps at most maxRemembered incident keys, the ones no
// longer listed and longest unseen going first.
func (s *PolicyState) prune(snap Snapshot, now time.Time) {
	listed := map[string]bool{}
	for _, sv := range snap.Services {
		for _, in := range sv.Incidents {
			k := IncidentKey(sv.ID, in)
			listed[k] = true
			_, told := s.Incidents[k]
			_, acked := s.Acks[k]
			if told || acked {
				s.Seen[k] = now
			}
		}
		for _, m := range sv.Maintenances {
			k := sv.ID + "/" + maintKey(m)
			if _, ok := s.Maint[k]; ok {
				s.Seen[k] = now
			}
		}
	}
	s.capIncidents(listed)
	stale := func(k string) bool {
		seen, ok := s.Seen[k]
		if !ok {
			s.Seen[k] = now // remembered from before this field existed: start its clock
			return false
		}
		return now.Sub(seen) > PruneAfter
	}
	for k := range s.Incidents {
		if stale(k) {
			delete(s.Incidents, k)
		}
	}
	for k := range s.Acks {
		if stale(k) {
			delete(s.Acks, k)
		}
	}
	for k := range s.Maint {
		if stale(k) {
			delete(s.Maint, k)
		}
	}
	for k, seen := range s.Seen {
		_, a := s.Incidents[k]
		_, b := s.Acks[k]
		_, c := s.Maint[k]
		if !a && !b && !c && now.Sub(seen) > PruneAfter {
			delete(s.Seen, k)
		}
	}
}

// capIncidents keeps at most maxRemembered incident keys per service: past that, keys of
// incidents not listed now go first, longest unseen first. A forgotten key can only repeat a
// notification if its incident comes back after maxRemembered others.
func (s *PolicyState) capIncidents(listed map[string]bool) {
	per := map[string][]string{}
	for k := range s.Incidents {
		id, _, _ := strings.Cut(k, "/")
		per[id] = append(per[id], k)
	}
	for _, keys := range per {
		if len(keys) <= maxRemembered {
			continue
		}
		slices.SortFunc(keys, func(a, b string) int {
			if listed[a] != listed[b] {
				if listed[a] {
					return 1
				}
				return -1
			}
			return s.Seen[a].Compare(s.Seen[b])
		})
		for _, k := range keys[:len(keys)-maxRemembered] {
			delete(s.Incidents, k)
			delete(s.Acks, k)
			delete(s.Seen, k)
		}
	}
}

// LoadPolicyState reads the state file. A missing file is an empty state; an unreadable one is
// moved aside (path + ".bad") and an empty state returned with the error, so a corrupt file
// never stops Paywatch.
func LoadPolicyState(path string) (*PolicyState, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return NewPolicyState(), nil
	}
	if err != nil {
		return NewPolicyState(), fmt.Errorf("alert state: %w", err)
	}
	var s PolicyState
	if err := json.Unmarshal(b, &s); err != nil {
		os.Rename(path, path+".bad")
		return NewPolicyState(), fmt.Errorf("alert state: %s was unreadable and was set aside: %w", path, err)
	}
	s.init()
	return &s, nil
}

// LoadPolicyStates reads the newest of the state files that exist (by modification time): the
// state is saved to a second place when the first cannot be written (see Watcher), and the
// first may then hold an older state. With no file, an empty state; errors as LoadPolicyState.
func LoadPolicyStates(paths ...string) (*PolicyState, error) {
	newest, at := "", time.Time{}
	for _, p := range paths {
		if p == "" {
			continue
		}
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && (newest == "" || fi.ModTime().After(at)) {
			newest, at = p, fi.ModTime()
		}
	}
	if newest == "" {
		return NewPolicyState(), nil
	}
	return LoadPolicyState(newest)
}

// Save writes the state atomically (a temporary file renamed over the old one).
func (s *PolicyState) Save(path string) error {
	_, _, err := s.saveChanged(path, savedState{})
	return err
}

// savedState stands for what a state encoded to when it was saved: the SHA-256 of the
// encoding, not the encoding (which grows with the services and would be kept for the whole
// run). The zero value stands for nothing saved.
type savedState struct {
	sum [sha256.Size]byte
	ok  bool
}

// saveChanged is Save, skipped when the state encodes to what was saved before (last); it
// returns what stands for the encoding now saved (last when nothing was written, or on failure)
// and whether it wrote it.
func (s *PolicyState) saveChanged(path string, last savedState) (savedState, bool, error) {
	b, err := json.MarshalIndent(s, "", " ")
	if err != nil {
		return last, false, err
	}
	now := savedState{sum: sha256.Sum256(b), ok: true}
	if last == now {
		return last, false, nil
	}
	if err := atomicfile.Write(path, b, 0o600); err != nil {
		return last, false, fmt.Errorf("alert state: %w", err)
	}
	return now, true, nil
}

// Snooze silences one service (or all, with id "") until the given time.
func (s *PolicyState) Snooze(id string, until time.Time) { s.Snoozes[id] = until }

// Unsnooze ends a snooze at once. The snooze is left to run out rather than deleted, so that
// the next Tick tells about problems still going on, as it does when a snooze ends by itself.
func (s *PolicyState) Unsnooze(id string) {
	if _, ok := s.Snoozes[id]; ok {
		s.Snoozes[id] = time.Time{}
	}
}

// Acknowledge silences an incident unless its service gets worse than it is now.
func (s *PolicyState) Acknowledge(key string, now State) { s.Acks[key] = now }

// SnoozedUntil reports until when a service is snoozed (by itself or with all), or zero.
func (s *PolicyState) SnoozedUntil(id string, now time.Time) time.Time {
	var until time.Time
	for _, k := range []string{"", id} {
		if u, ok := s.Snoozes[k]; ok && u.After(now) && u.After(until) {
			until = u
		}
	}
	return until
}

// UntilTomorrowMorning is the end of a "until tomorrow morning" snooze: 08:00 the next day.
// Asked in the small hours, "tomorrow morning" is this morning.
func UntilTomorrowMorning(now time.Time) time.Time {
	d := now.AddDate(0, 0, 1)
	if now.Hour() < snoozeMorning-3 {
		d = now
	}
	return time.Date(d.Year(), d.Month(), d.Day(), snoozeMorning, 0, 0, 0, now.Location())
}

// View is what the menu needs to show about snoozes and acknowledgements.
func (st *PolicyState) View(now time.Time) AlertView {
	v := AlertView{Snoozed: map[string]time.Time{}, Acked: map[string]bool{}}
	for id, u := range st.Snoozes {
		if !u.After(now) {
			continue
		}
		if id == "" {
			v.SnoozedAll = u
		} else {
			v.Snoozed[id] = u
		}
	}
	for k := range st.Acks {
		v.Acked[k] = true
	}
	return v
}

// AlertView is the part of the policy state the desktop shows.
type AlertView struct {
	SnoozedAll time.Time
	Snoozed    map[string]time.Time
	Acked      map[string]bool
}

// burstEnd is when the pending burst is over: StormWindow after its latest change, and no
// later than stormMaxWait after its first.
func (st *PolicyState) burstEnd() time.Time {
	end := st.PendingLast.Add(StormWindow)
	if limit := st.PendingSince.Add(stormMaxWait); limit.Before(end) {
		end = limit
	}
	return end
}
