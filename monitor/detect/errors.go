package detect

import (
	"errors"
	"fmt"

	"github.com/paywatch/paywatch/monitor"
)

// ErrorKind says why detection found nothing to poll.
type ErrorKind int

// Kinds of detection failures.
const (
	// ErrNotFound: the site answered, but nothing on it is a status page Paywatch can read.
	ErrNotFound ErrorKind = iota
	// ErrBadURL: the address is not one Paywatch can look at.
	ErrBadURL
	// ErrUnreachable: the site could not be reached, was too slow, or asked us to slow down.
	// Trying again later may give another answer.
	ErrUnreachable
	// ErrInactive: a Statuspage page whose owner switched it off.
	ErrInactive
	// ErrForeign: the status page there describes a page at another, unrelated address.
	ErrForeign
	// ErrUnreadable: the host name says which platform it is, but its status data did not read.
	ErrUnreadable

	errNoFit // internal: this candidate does not fit, try the next
)

// Error is a detection failure, worded for the person who typed the address.
type Error struct {
	URL  string
	Kind ErrorKind
	// Detail is the specific reason, in words (bad address, unreachable, unreadable).
	Detail string
	// Platform is the platform a well-known host belongs to (ErrUnreadable), and Label its
	// name for people ("Stripe's status API"; the platform's name when empty).
	Platform, Label string
	// PageName and PageURL are what someone else's page says about itself (ErrForeign).
	PageName, PageURL string
	// CatchAll is set when the site answers every address with the same page (ErrNotFound).
	CatchAll bool
	// ServerErrors is set when some addresses answered with server errors (ErrNotFound): the
	// verdict may change once the site recovers.
	ServerErrors bool
	Err          error
}

func (e *Error) Error() string {
	switch e.Kind {
	case ErrBadURL:
		return e.Detail
	case ErrUnreachable:
		var he *monitor.HTTPError
		if errors.As(e.Err, &he) {
			return fmt.Sprintf("could not look at %s: %s; try again later", e.URL, e.Detail)
		}
		return fmt.Sprintf("could not look at %s: %s; check the address and your connection, then try again", e.URL, e.Detail)
	case ErrInactive:
		return fmt.Sprintf("%s is a Statuspage page its owner has switched off (it says the page is inactive); find the company's current status page, or watch the site with probe: instead", e.URL)
	case ErrForeign:
		what := e.PageURL
		if e.PageName != "" {
			what = fmt.Sprintf("%q at %s", e.PageName, e.PageURL)
		}
		return fmt.Sprintf("the status page at %s belongs to another address (it says it is %s); if that is the page you mean, use that address, or watch the site with probe: instead", e.URL, what)
	case ErrUnreadable:
		label := e.Label
		if label == "" {
			label = e.Platform
		}
		return fmt.Sprintf("Paywatch knows %s as %s, but its status data could not be read: %s", e.URL, label, e.Detail)
	}
	why := ""
	switch {
	case e.CatchAll:
		why = " (it answers the same web page for every address)"
	case e.ServerErrors:
		why = " (some addresses answered with server errors; if the site is having trouble, try again later)"
	}
	return fmt.Sprintf("no status page Paywatch can read was found at %s%s; watch the site with probe: instead", e.URL, why)
}

func (e *Error) Unwrap() error { return e.Err }

// SuggestProbe reports whether a website probe is the way forward: the site answers, but Paywatch
// cannot read a status page there.
func (e *Error) SuggestProbe() bool {
	switch e.Kind {
	case ErrNotFound, ErrInactive, ErrForeign:
		return true
	}
	return false
}

// Temporary reports whether the same detection may succeed later, so that an older answer is
// better than none.
func (e *Error) Temporary() bool {
	return e.Kind == ErrUnreachable || e.Kind == ErrUnreadable || (e.Kind == ErrNotFound && e.ServerErrors)
}
