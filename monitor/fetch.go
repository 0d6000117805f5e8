package monitor

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// Defaults for the shared HTTP client.
const (
	DefaultTimeout = 10 * time.Second
	DefaultMaxBody = 4 << 20
	maxRedirects   = 5
)

// Fetcher is the one HTTP client every source shares: timeouts, an honest User-Agent,
// conditional requests, gzip (by net/http), a body-size cap and no cookies or credentials.
type Fetcher struct {
	client    *http.Client
	userAgent string
	maxBody   int64
	timeout   time.Duration

	mu    sync.Mutex
	cache map[cacheKey]cached
}

// cacheKey is what validators are kept by: its strings are the request's own, so that looking
// one up or keeping one allocates nothing.
type cacheKey struct{ method, url string }

type cached struct {
	etag, lastModified string
	body               []byte
}

// FetcherOptions configures NewFetcher. Zero fields take the defaults.
type FetcherOptions struct {
	UserAgent string
	Timeout   time.Duration
	MaxBody   int64
	// Transport replaces the default transport (tests use it for TLS roots).
	Transport http.RoundTripper
}

// NewFetcher returns a Fetcher ready to use by many goroutines.
func NewFetcher(o FetcherOptions) *Fetcher {
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.MaxBody <= 0 {
		o.MaxBody = DefaultMaxBody
	}
	if o.UserAgent == "" {
		o.UserAgent = "Paywatch (status monitor)"
	}
	tr := o.Transport
	if tr == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConnsPerHost = 2
		t.IdleConnTimeout = 90 * time.Second
		t.ResponseHeaderTimeout = o.Timeout
		tr = t
	}
	f := &Fetcher{userAgent: o.UserAgent, maxBody: o.MaxBody, timeout: o.Timeout, cache: map[cacheKey]cached{}}
	f.client = &http.Client{
		Transport: tr,
		Timeout:   o.Timeout,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= maxRedirects {
				return &FetchError{Kind: ErrRedirects, URL: req.URL.String()}
			}
			if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
				return &FetchError{Kind: ErrBadRedirect, URL: req.URL.String()}
			}
			if req.URL.User != nil {
				// A redirect must not make us send credentials either.
				req.URL.User = nil
				req.Header.Del("Authorization")
			}
			return nil
		},
	}
	return f
}

// UserAgent returns the User-Agent the fetcher sends.
func (f *Fetcher) UserAgent() string { return f.userAgent }

// Response is a fetched body. NotModified is true when the server answered 304 and Body is the
// copy kept from the last full answer.
type Response struct {
	URL string
	// FinalURL is where the answer came from after redirects (URL when there were none).
	FinalURL    string
	StatusCode  int
	Header      http.Header
	Body        []byte
	NotModified bool
	Latency     time.Duration
	// pooled holds Body when the caller parses it and lets it go (Request.Parsed): release
	// gives it back for the next answer.
	pooled *bytes.Buffer
}

var bodyPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// release gives a body read for a parse back to the pool; Body must not be used afterwards.
func (r *Response) release() {
	if r.pooled != nil {
		r.Body = nil
		bodyPool.Put(r.pooled)
		r.pooled = nil
	}
}

// Request describes one GET or HEAD.
type Request struct {
	URL    string
	Method string // GET (default) or HEAD
	Accept string
	// Conditional enables If-None-Match / If-Modified-Since with the last answer's validators.
	Conditional bool
	// Parsed says the caller keeps what it made of the last full answer, so the fetcher keeps
	// only its validators: on a 304 Body is nil. (Without it the body is kept for the 304s.)
	Parsed bool
	// AnyStatus returns non-2xx answers as a Response instead of an *HTTPError (probes judge them).
	AnyStatus bool
}

// Do performs the request. Errors are *HTTPError for unwanted status codes and *FetchError for
// everything that went wrong before a usable body arrived; Reason turns either into words.
func (f *Fetcher) Do(ctx context.Context, r Request) (*Response, error) {
	method := r.Method
	if method == "" {
		method = http.MethodGet
	}
	u, err := url.Parse(r.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, &FetchError{Kind: ErrBadURL, URL: r.URL}
	}
	target := r.URL
	if u.User != nil {
		// Paywatch never sends credentials, not even ones written into an address.
		u.User = nil
		target = u.String()
	}
	req, err := http.NewRequestWithContext(ctx, method, target, nil)
	if err != nil {
		return nil, &FetchError{Kind: ErrBadURL, URL: r.URL, Err: err}
	}
	req.Header.Set("User-Agent", f.userAgent)
	if r.Accept != "" {
		req.Header.Set("Accept", r.Accept)
	}
	var prev cached
	var have bool
	key := cacheKey{method, r.URL}
	if r.Conditional {
		f.mu.Lock()
		prev, have = f.cache[key]
		f.mu.Unlock()
		// Validators kept without a body serve only callers that keep their own parse.
		have = have && (r.Parsed || prev.body != nil)
		if have {
			if prev.etag != "" {
				req.Header.Set("If-None-Match", prev.etag)
			}
			if prev.lastModified != "" {
				req.Header.Set("If-Modified-Since", prev.lastModified)
			}
		}
	}
	start := time.Now()
	resp, err := f.client.Do(req)
	if err != nil {
		return nil, f.classify(ctx, r.URL, err)
	}
	defer resp.Body.Close()
	out := &Response{URL: r.URL, FinalURL: resp.Request.URL.String(), StatusCode: resp.StatusCode, Header: resp.Header}
	if resp.StatusCode == http.StatusNotModified && have {
		out.Body, out.NotModified = prev.body, true
		out.Latency = time.Since(start)
		return out, nil
	}
	if (resp.StatusCode < 200 || resp.StatusCode > 299) && !r.AnyStatus {
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		return nil, &HTTPError{URL: r.URL, Code: resp.StatusCode, RetryAfter: retryAfter(resp.Header.Get("Retry-After"), time.Now())}
	}
	if method != http.MethodHead {
		var body []byte
		var err error
		if r.Parsed {
			// Nobody keeps this body past its parse: it is read into a reused buffer.
			out.pooled = bodyPool.Get().(*bytes.Buffer)
			out.pooled.Reset()
			_, err = out.pooled.ReadFrom(io.LimitReader(resp.Body, f.maxBody+1))
			body = out.pooled.Bytes()
		} else {
			body, err = io.ReadAll(io.LimitReader(resp.Body, f.maxBody+1))
		}
		if err != nil {
			return nil, f.classify(ctx, r.URL, err)
		}
		if int64(len(body)) > f.maxBody {
			return nil, &FetchError{Kind: ErrTooLarge, URL: r.URL, Limit: f.maxBody}
		}
		out.Body = body
	}
	out.Latency = time.Since(start)
	if r.Conditional && resp.StatusCode == http.StatusOK {
		etag, lm := resp.Header.Get("ETag"), resp.Header.Get("Last-Modified")
		f.mu.Lock()
		if etag != "" || lm != "" {
			c := cached{etag: etag, lastModified: lm, body: out.Body}
			if r.Parsed {
				c.body = nil
			}
			f.cache[key] = c
		} else {
			delete(f.cache, key)
		}
		f.mu.Unlock()
	}
	return out, nil
}

// GetJSON fetches a JSON document conditionally and checks that it looks like JSON, so that a
// web page served on a .json path is reported as such and never parsed as a status.
func (f *Fetcher) GetJSON(ctx context.Context, rawURL string) (*Response, error) {
	return f.getJSON(ctx, Request{URL: rawURL, Accept: "application/json", Conditional: true})
}

// getJSON is GetJSON for any request: a 304 without a body (Request.Parsed) is not checked.
func (f *Fetcher) getJSON(ctx context.Context, req Request) (*Response, error) {
	resp, err := f.Do(ctx, req)
	if err != nil {
		return nil, err
	}
	if resp.NotModified && resp.Body == nil {
		return resp, nil
	}
	err = checkJSONType(resp)
	if err == nil {
		err = CheckJSONBody(resp.Body)
	}
	if err != nil {
		fe := err.(*FetchError)
		fe.URL = req.URL
		return nil, fe
	}
	// encoding/json refuses a byte-order mark; some servers send one.
	resp.Body = bytes.TrimPrefix(resp.Body, BOM)
	return resp, nil
}

// checkJSONType rejects an answer whose Content-Type says it is certainly not JSON: a web page,
// an image, a sound, a video, a font, a PDF or an archive. Labels that are merely imprecise
// (text/plain, application/octet-stream, none at all) pass, and the body decides: servers
// label JSON files carelessly, and a status read is better than an "unknown".
func checkJSONType(resp *Response) error {
	if resp.NotModified {
		return nil
	}
	ct := resp.Header.Get("Content-Type")
	if ct == "" {
		return nil
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return nil
	}
	major, _, _ := strings.Cut(mt, "/")
	switch {
	case mt == "text/html", mt == "application/xhtml+xml":
		return &FetchError{Kind: ErrHTML}
	case major == "image", major == "audio", major == "video", major == "font",
		mt == "application/pdf", mt == "application/zip", mt == "application/gzip":
		return &FetchError{Kind: ErrBadPayload, Detail: fmt.Sprintf("it sent a file (%s), not status data", mt)}
	}
	return nil
}

// CheckJSONBody rejects bodies that cannot be a JSON object or array: empty, HTML, invalid UTF-8.
// CheckJSONBody rejects bodies that cannot be a JSON object or array: empty, HTML, invalid UTF-8,
// or a document followed by more data.
func CheckJSONBody(b []byte) error {
	t := bytes.TrimLeft(b, " \t\r\n\xef\xbb\xbf")
	switch {
	case len(t) == 0:
		return &FetchError{Kind: ErrEmpty}
	case t[0] == '<':
		return &FetchError{Kind: ErrHTML}
	case t[0] != '{' && t[0] != '[':
		if bytes.HasPrefix(t, []byte("null")) {
			return &FetchError{Kind: ErrBadPayload, Detail: "it was empty (null)"}
		}
		return &FetchError{Kind: ErrBadPayload, Detail: "it is not JSON"}
	case !utf8.Valid(t):
		return &FetchError{Kind: ErrBadPayload, Detail: "it is not valid text"}
	case !json.Valid(t):
		// The platforms' decoders read one document and stop: what follows it would pass
		// unseen. Malformed JSON is left to them, as they say where it breaks.
		var doc json.RawMessage
		if json.NewDecoder(bytes.NewReader(t)).Decode(&doc) == nil {
			return &FetchError{Kind: ErrBadPayload, Detail: "it has more data after the end of the JSON document"}
		}
	}
	return nil
}

func (f *Fetcher) classify(ctx context.Context, u string, err error) error {
	var fe *FetchError
	if errors.As(err, &fe) {
		fe.URL = u
		return fe
	}
	kind := ErrNetwork
	var dnsErr *net.DNSError
	var certErr *tls.CertificateVerificationError
	var unknownAuth x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var invalid x509.CertificateInvalidError
	var recErr tls.RecordHeaderError
	var opErr *net.OpError
	switch {
	case ctx.Err() == context.Canceled:
		kind = ErrCanceled
	case errors.Is(err, context.DeadlineExceeded) || isTimeout(err):
		kind = ErrTimeout
	case errors.As(err, &dnsErr):
		kind = ErrDNS
	case errors.Is(err, io.ErrUnexpectedEOF):
		kind = ErrTruncated
	case strings.Contains(err.Error(), "server response headers exceeded"):
		kind = ErrHeaderTooLarge // net/http says so only in words
	case errors.As(err, &certErr), errors.As(err, &unknownAuth), errors.As(err, &hostErr), errors.As(err, &invalid), errors.As(err, &recErr):
		kind = ErrTLS
	case errors.As(err, &opErr) && strings.Contains(err.Error(), "refused"):
		kind = ErrRefused
	case strings.Contains(err.Error(), "unsupported protocol scheme"):
		kind = ErrBadRedirect
	}
	host := ""
	if pu, perr := url.Parse(u); perr == nil {
		host = pu.Hostname()
	}
	timeout := f.timeout
	if _, ok := ctx.Deadline(); ok && kind == ErrTimeout && ctx.Err() != nil {
		// The caller's own deadline ran out first; the fetcher's timeout would misstate it.
		timeout = 0
	}
	return &FetchError{Kind: kind, URL: u, Host: host, Err: err, Timeout: timeout}
}

func isTimeout(err error) bool {
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}

// RetryAfter reads a response's Retry-After header (seconds or an HTTP date); zero if none.
func RetryAfter(h http.Header) time.Duration { return retryAfter(h.Get("Retry-After"), time.Now()) }

// retryAfter reads a Retry-After header: seconds or an HTTP date.
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(v); err == nil && n >= 0 {
		const limit = 24 * 60 * 60 // a day; more is nonsense, and large values would overflow
		return time.Duration(min(n, limit)) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// CloseIdleConnections closes the kept-alive connections (tests, and before sleep).
func (f *Fetcher) CloseIdleConnections() { f.client.CloseIdleConnections() }
