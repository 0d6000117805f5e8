package monitor

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"syscall"
	"time"
)

// ErrKind classifies a failed fetch.
type ErrKind int

// Kinds of fetch failures.
const (
	ErrNetwork ErrKind = iota
	ErrTimeout
	ErrDNS
	ErrTLS
	ErrRefused
	ErrRedirects
	ErrBadRedirect
	ErrTooLarge
	ErrHTML
	ErrEmpty
	ErrBadPayload
	ErrBadURL
	ErrCanceled
	ErrTruncated      // the connection closed before the whole answer arrived
	ErrHeaderTooLarge // the answer's headers were over the transport's limit
)

// FetchError is a failure before a usable body arrived, or a body we could not use.
type FetchError struct {
	Kind    ErrKind
	URL     string
	Host    string
	Detail  string
	Limit   int64
	Timeout time.Duration
	Err     error
}

func (e *FetchError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("fetch %s: %s: %v", e.URL, Reason(e), e.Err)
	}
	return fmt.Sprintf("fetch %s: %s", e.URL, Reason(e))
}

func (e *FetchError) Unwrap() error { return e.Err }

// HTTPError is an answer with a status code we did not want.
type HTTPError struct {
	URL        string
	Code       int
	RetryAfter time.Duration
}

func (e *HTTPError) Error() string { return fmt.Sprintf("fetch %s: HTTP %d", e.URL, e.Code) }

// PayloadError says a body arrived but did not have the shape the platform promises.
type PayloadError struct {
	Platform string
	Detail   string
	Err      error
}

func (e *PayloadError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Platform, e.Detail, e.Err)
	}
	return e.Platform + ": " + e.Detail
}

func (e *PayloadError) Unwrap() error { return e.Err }

// Reason turns any check error into one line a non-technical person can read.
func Reason(err error) string {
	if err == nil {
		return ""
	}
	var fe *FetchError
	var he *HTTPError
	var pe *PayloadError
	switch {
	case errors.As(err, &fe):
		switch fe.Kind {
		case ErrTimeout:
			if fe.Timeout > 0 {
				return fmt.Sprintf("timed out after %s", humanSeconds(fe.Timeout))
			}
			return "timed out"
		case ErrDNS:
			if fe.Host != "" {
				return fmt.Sprintf("cannot resolve %s from your network", fe.Host)
			}
			return "cannot resolve the address from your network"
		case ErrTLS:
			return "the site's security certificate could not be verified"
		case ErrRefused:
			return "the server refused the connection"
		case ErrRedirects:
			return "the page kept redirecting"
		case ErrBadRedirect:
			return "the page redirected to an address that is not a web page"
		case ErrTooLarge:
			return fmt.Sprintf("the status page sent more data than expected (over %s)", humanBytes(fe.Limit))
		case ErrHTML:
			return "the status page returned a web page instead of status data"
		case ErrEmpty:
			return "the status page returned an empty answer"
		case ErrBadPayload:
			if fe.Detail != "" {
				return "the status page's answer could not be read: " + fe.Detail
			}
			return "the status page's answer could not be read"
		case ErrBadURL:
			return "the address is not a valid web address"
		case ErrCanceled:
			return "the check was cancelled"
		case ErrTruncated:
			return "the answer was cut short: the connection closed before all of it arrived"
		case ErrHeaderTooLarge:
			return "the server's answer had headers too large to read"
		}
		return "could not connect"
	case errors.As(err, &he):
		switch {
		case he.Code == http.StatusTooManyRequests:
			return "the status page asked us to slow down (HTTP 429)"
		case he.Code == http.StatusNotFound:
			return "the status page was not found (HTTP 404)"
		case he.Code == http.StatusUnauthorized || he.Code == http.StatusForbidden:
			return fmt.Sprintf("the status page refused access (HTTP %d)", he.Code)
		case he.Code >= 500:
			return fmt.Sprintf("the status page's server had an error (HTTP %d)", he.Code)
		}
		return fmt.Sprintf("the status page answered with an error (HTTP %d)", he.Code)
	case errors.As(err, &pe):
		return "the status page's answer could not be read: " + pe.Detail
	case errors.Is(err, context.DeadlineExceeded):
		return "timed out"
	case errors.Is(err, context.Canceled):
		return "the check was cancelled"
	}
	return "the check failed"
}

func humanSeconds(d time.Duration) string {
	if d%time.Second == 0 {
		return fmt.Sprintf("%d s", int(d/time.Second))
	}
	return fmt.Sprintf("%.1f s", d.Seconds())
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%d MB", n>>20)
	case n >= 1<<10:
		return fmt.Sprintf("%d KB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// SaveProblem says in a few plain words why a file could not be saved.
func SaveProblem(err error) string {
	switch {
	case errors.Is(err, fs.ErrPermission):
		return "its folder cannot be written"
	case errors.Is(err, syscall.ENOSPC):
		return "the disk is full"
	case errors.Is(err, syscall.EROFS):
		return "the disk is read-only"
	case errors.Is(err, syscall.ENOTDIR), errors.Is(err, fs.ErrExist):
		return "a file is in the way of its folder"
	}
	return "the file cannot be written"
}
