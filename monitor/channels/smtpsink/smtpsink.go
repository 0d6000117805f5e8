// Package smtpsink is a mail server for tests: it accepts every message over plain SMTP (no TLS,
// no login) on 127.0.0.1 and keeps it, so that tests can check what a channel really sent.
package smtpsink

import (
	"bufio"
	"io"
	"net"
	"net/mail"
	"net/textproto"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// Sink is a mail server that accepts everything and keeps it.
type Sink struct {
	ln   net.Listener
	mu   sync.Mutex
	got  []Mail
	seen chan struct{}
	wg   sync.WaitGroup
}

// Mail is one message the sink accepted.
type Mail struct {
	From string
	To   []string
	Msg  *mail.Message
	Body string
}

// New starts a sink on 127.0.0.1; it stops when the test ends.
func New(t testing.TB) *Sink {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &Sink{ln: ln, seen: make(chan struct{}, 1000)}
	s.wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.wg.Go(func() { s.serve(t, c) })
		}
	})
	t.Cleanup(func() {
		ln.Close()
		s.wg.Wait()
	})
	return s
}

// Addr is the sink's host:port.
func (s *Sink) Addr() string { return s.ln.Addr().String() }

// URL is a shoutrrr address that delivers to the sink, from and to the given addresses.
func (s *Sink) URL(from, to string) string {
	return "smtp://" + s.Addr() + "/?from=" + from + "&to=" + to + "&encryption=None&usestarttls=No"
}

func (s *Sink) serve(t testing.TB, c net.Conn) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	tc := textproto.NewConn(c)
	tc.PrintfLine("220 sink ESMTP ready")
	var from string
	var to []string
	for {
		line, err := tc.ReadLine()
		if err != nil {
			return
		}
		verb, arg, _ := strings.Cut(line, " ")
		switch strings.ToUpper(verb) {
		case "EHLO", "HELO":
			tc.PrintfLine("250-sink greets you")
			tc.PrintfLine("250 8BITMIME")
		case "MAIL":
			from, to = arg, nil
			tc.PrintfLine("250 OK")
		case "RCPT":
			to = append(to, arg)
			tc.PrintfLine("250 OK")
		case "DATA":
			tc.PrintfLine("354 go ahead")
			b, err := tc.ReadDotBytes()
			if err != nil {
				return
			}
			msg, err := mail.ReadMessage(bufio.NewReader(strings.NewReader(string(b))))
			if err != nil {
				t.Errorf("mail does not parse: %v\n%s", err, b)
				tc.PrintfLine("554 bad message")
				continue
			}
			body, _ := io.ReadAll(msg.Body)
			s.mu.Lock()
			s.got = append(s.got, Mail{From: from, To: to, Msg: msg, Body: strings.TrimSpace(string(body))})
			s.mu.Unlock()
			tc.PrintfLine("250 queued")
			s.seen <- struct{}{}
		case "RSET", "NOOP":
			tc.PrintfLine("250 OK")
		case "QUIT":
			tc.PrintfLine("221 bye")
			return
		default: // STARTTLS and AUTH included: this sink is plain
			tc.PrintfLine("502 not implemented")
		}
	}
}

// Await waits up to 10 s for n more mails and returns all mails so far.
func (s *Sink) Await(t testing.TB, n int) []Mail {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for range n {
		select {
		case <-s.seen:
		case <-timeout:
			t.Fatalf("SMTP sink got %d mails, want %d", len(s.Mails()), n)
		}
	}
	return s.Mails()
}

// Mails returns every mail accepted so far.
func (s *Sink) Mails() []Mail {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.got)
}
