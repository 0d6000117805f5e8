package monitor

import "sync"

// LastParse keeps the last report a checker parsed, so that an answer the server says has not
// changed (304 Not Modified) is not parsed again. A failed parse forgets it: the fetcher repeats
// the body of the last full answer on a 304, and that body is the one that failed, so the report
// kept from before it must not come back. The zero value is ready to use and safe for concurrent
// use; a checker holds one LastParse for its whole life.
type LastParse struct {
	mu   sync.Mutex
	last *Report
}

// Parse is how a checker reads its answers (PageChecker for one endpoint; checkers of several
// endpoints call it themselves): unchanged says every answer was a 304. It returns the last
// report when unchanged and one is kept; otherwise it calls parse, keeps its report, or forgets
// the last one when parse fails. parse runs under l's lock, so two checks of one checker never
// keep their parses out of order.
func (l *LastParse) Parse(unchanged bool, parse func() (Report, error)) (Report, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if unchanged && l.last != nil {
		return *l.last, nil
	}
	r, err := parse()
	if err != nil {
		l.last = nil
		return Report{}, err
	}
	l.last = &r
	return r, nil
}

// Forget drops the kept report, for a checker that learns its answers no longer mean what they
// did (a page that moved to another API version).
func (l *LastParse) Forget() {
	l.mu.Lock()
	l.last = nil
	l.mu.Unlock()
}
