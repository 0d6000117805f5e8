package channels

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/nicholas-fedor/shoutrrr/pkg/router"
	"github.com/nicholas-fedor/shoutrrr/pkg/services/email/smtp"
	"github.com/nicholas-fedor/shoutrrr/pkg/services/specialized/generic"
	"github.com/nicholas-fedor/shoutrrr/pkg/types"
)

// message is what a channel receives: the notification's title and body as plain text, and
// its idempotency key (the same for every attempt; empty for a test message).
type message struct {
	Title, Body string
	Key         string
}

// sender delivers one message to one channel, once; retrying is the Dispatcher's job. It
// returns when ctx ends even if the delivery has not.
type sender interface {
	send(ctx context.Context, m message) error
}

// senderFunc lets a function be a sender (tests fake channels in one line).
type senderFunc func(ctx context.Context, m message) error

func (f senderFunc) send(ctx context.Context, m message) error { return f(ctx, m) }

// titled lists the services that show a title of their own (a heading, a subject, an embed
// title, a JSON field); the rest get it as the first line of the text.
var titled = map[string]bool{
	"bark": true, "discord": true, "generic": true, "gotify": true, "ifttt": true, "join": true,
	"lark": true, "matrix": true, "ntfy": true, "opsgenie": true, "pushbullet": true,
	"pushover": true, "slack": true, "smtp": true, "teams": true, "telegram": true, "zulip": true,
}

// quietLogger swallows shoutrrr's own logging, which prints addresses and server replies.
var quietLogger = log.New(io.Discard, "", 0)

// newService reads a channel address into a shoutrrr service, without touching the network.
// Its errors are plain English and never contain the address.
func newService(rawURL string) (types.Service, string, error) {
	raw := strings.TrimSpace(rawURL)
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" || !strings.Contains(raw, "://") {
		return nil, "", errors.New("not a channel address: write it like slack://…, smtp://… or generic+https://…")
	}
	scheme, _, _ := strings.Cut(u.Scheme, "+") // url.Parse lowered it
	var r router.ServiceRouter
	svc, err := r.NewService(scheme)
	if err != nil {
		return nil, "", fmt.Errorf("%q is not a kind of channel Paywatch knows (for example slack, teams, discord, telegram, smtp, ntfy or generic+https)", scheme)
	}
	cfgURL := u
	if u.Scheme != scheme {
		custom, ok := svc.(types.CustomURLService)
		if !ok {
			return nil, "", fmt.Errorf("%s:// addresses cannot take a \"+\" suffix; write %s://…", scheme, scheme)
		}
		if cfgURL, err = custom.GetConfigURLFromCustom(u); err != nil {
			return nil, "", fmt.Errorf("not a valid %s address: %s", scheme, redactErr(err, raw))
		}
	}
	if err := svc.Initialize(cfgURL, quietLogger); err != nil {
		return nil, "", fmt.Errorf("not a valid %s address: %s", scheme, redactErr(err, raw))
	}
	switch s := svc.(type) {
	case *generic.Service:
		// Webhooks get {"title": …, "message": …} unless the address asks for a template.
		if s.Config.Template == "" {
			s.Config.Template = generic.JSONTemplate
		}
	case *smtp.Service:
		if s.Config.FromName == "" {
			s.Config.FromName = "Paywatch" // else the From header reads ` <from@…>`
		}
	}
	return svc, scheme, nil
}

// shoutrrrSender delivers through a shoutrrr service. Shoutrrr's Send takes no context (and
// some services have no timeout of their own), so each call runs in a goroutine that the
// sender may stop waiting for. At most one call per channel runs at a time: a call still
// running makes the next wait, which bounds what a hung server can hold, and keeps the
// services that change their config while sending (Slack) free of races.
type shoutrrrSender struct {
	svc    types.Service
	escape func(string) string // the channel's own syntax (markup.go)
	rawURL string              // for webhooks, which get a service of their own per message (its key header)
	titled bool
	busy   chan struct{}   // a one-slot semaphore
	calls  *sync.WaitGroup // the Dispatcher waits for calls on shutdown
}

func newShoutrrrSender(svc types.Service, scheme, rawURL string, calls *sync.WaitGroup) *shoutrrrSender {
	s := &shoutrrrSender{svc: svc, titled: titled[scheme], escape: markupFor(svc, scheme), busy: make(chan struct{}, 1), calls: calls}
	if scheme == "generic" {
		s.rawURL = rawURL
	}
	return s
}

// IdempotencyHeader carries a message's key to webhooks, the same on every attempt, so that a
// receiver can tell a retry (after a lost answer, or a crash just after delivering) from a new
// message.
const IdempotencyHeader = "Idempotency-Key"

// withKey is a webhook address that sends the key as IdempotencyHeader (shoutrrr's generic
// service sends query parameters starting with "@" as headers, "idempotencyKey" as
// "Idempotency-Key").
func withKey(rawURL, key string) string {
	u, err := url.Parse(strings.TrimSpace(rawURL))
	if err != nil {
		return rawURL
	}
	q := u.Query()
	q.Set("@idempotencyKey", key)
	u.RawQuery = q.Encode()
	return u.String()
}

func (s *shoutrrrSender) send(ctx context.Context, m message) error {
	// The final text, as the channel shows it, escaped for its syntax as a whole.
	text, params := m.Body, types.Params{}
	escape := s.escape
	if escape == nil {
		escape = plainText
	}
	switch {
	case s.titled:
		params.SetTitle(escape(m.Title))
	case m.Title != "" && m.Body != "":
		text = m.Title + "\n" + m.Body
	default:
		text = m.Title + m.Body
	}
	text = escape(text)
	svc := s.svc
	if s.rawURL != "" && m.Key != "" {
		keyed, _, err := newService(withKey(s.rawURL, m.Key))
		if err != nil {
			return err
		}
		svc = keyed
	}
	select {
	case s.busy <- struct{}{}:
	case <-ctx.Done():
		return fmt.Errorf("the previous attempt has not finished: %w", ctx.Err())
	}
	done := make(chan error, 1)
	s.calls.Go(func() {
		defer func() { <-s.busy }()
		done <- svc.Send(text, &params)
	})
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return fmt.Errorf("no answer in time: %w", ctx.Err())
	}
}

var statusRE = regexp.MustCompile(`(?i)status[^0-9]{0,40}\b([1-5][0-9][0-9])\b([A-Za-z ]*)`)

// describe says in plain English why a delivery failed. The error's own text, redacted,
// follows when it is not one of the usual causes.
func describe(err error, rawURL string) string {
	detail := redactErr(err, rawURL)
	low := strings.ToLower(detail)
	if m := statusRE.FindStringSubmatch(detail); m != nil {
		code, _ := strconv.Atoi(m[1])
		what := strings.TrimSpace(m[1] + " " + strings.TrimSpace(m[2]))
		switch {
		case code == 401 || code == 403:
			return fmt.Sprintf("the service refused the credentials (HTTP %s): check the token in the address", what)
		case code == 404 || code == 410:
			return fmt.Sprintf("the service does not know this address (HTTP %s): check the webhook address", what)
		case code == 429:
			return fmt.Sprintf("the service asked Paywatch to slow down (HTTP %s)", what)
		case code >= 500:
			return fmt.Sprintf("the service had a problem (HTTP %s)", what)
		case code >= 400:
			return fmt.Sprintf("the service refused the message (HTTP %s)", what)
		}
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded), strings.Contains(low, "deadline exceeded"),
		strings.Contains(low, "timed out"), strings.Contains(low, "i/o timeout"):
		return "no answer in time"
	case errors.Is(err, context.Canceled):
		return "stopped before it was delivered"
	case strings.Contains(low, "connection refused"):
		return "nothing answered at that address (connection refused)"
	case strings.Contains(low, "no such host"), strings.Contains(low, "server misbehaving"):
		return "the server's name could not be found: check the address, or this computer may be offline"
	case strings.Contains(low, "network is unreachable"), strings.Contains(low, "no route to host"):
		return "the network could not reach the server: this computer may be offline"
	case strings.Contains(low, "certificate"), strings.Contains(low, "x509"), strings.Contains(low, "tls:"):
		return "a secure connection could not be made (" + detail + ")"
	case strings.Contains(low, "connection reset"), strings.Contains(low, "eof"):
		return "the server closed the connection (" + detail + ")"
	case strings.Contains(low, "authentic"):
		return "the mail server refused the user name or password (" + detail + ")"
	}
	return "could not deliver: " + detail
}
