package monitor

import (
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"
)

func checkURL(raw string) error {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Host == "" {
		return fmt.Errorf("%q is not a web address (write it like https://status.example.com)", shownURL(raw))
	}
	if u.Scheme != "https" && u.Scheme != "http" {
		return fmt.Errorf("%q must start with https:// (or http://)", shownURL(raw))
	}
	if u.User != nil {
		return fmt.Errorf("%q contains a user name or password; Paywatch never sends credentials", shownURL(raw))
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return fmt.Errorf("%q has port %s; a port is a number from 1 to 65535", shownURL(raw), p)
		}
	}
	return nil
}

// shownURL is a web address as messages may quote it: without its user name and password
// ("…@" in their place), and cleaned of control characters; an address that does not parse
// keeps only what follows its last "@".
func shownURL(raw string) string {
	raw = strings.TrimSpace(raw)
	if u, err := url.Parse(raw); err == nil {
		if u.User != nil {
			u.User = nil
			raw = strings.Replace(u.String(), "://", "://…@", 1)
		}
	} else if i := strings.LastIndex(raw, "@"); i >= 0 {
		scheme, _, _ := strings.Cut(raw, "://")
		raw = scheme + "://…@" + raw[i+1:]
	}
	return Sanitize(raw, 200)
}

func hostOf(raw string) string {
	if u, err := url.Parse(raw); err == nil {
		return u.Hostname()
	}
	return raw
}

// IsLoopback reports whether a URL points at this machine.
func IsLoopback(raw string) bool {
	h := hostOf(raw)
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// minProbeInterval is the shortest time between probes of a website: DefaultProbeInterval,
// out of politeness to sites that are not made to be polled (loopback, for tests, is exempt).
func minProbeInterval(raw string) time.Duration {
	if IsLoopback(raw) {
		return MinLoopbackInterval
	}
	return DefaultProbeInterval
}

func minInterval(raw string) time.Duration {
	if IsLoopback(raw) {
		return MinLoopbackInterval
	}
	return MinPublicInterval
}
