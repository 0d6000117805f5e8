// Package faultproxy is a TCP proxy for tests, in the spirit of Toxiproxy: it sits on 127.0.0.1
// between Paywatch and the servers it checks, and on the test's word passes traffic, resets
// connections, hangs them, blackholes them, or answers every request with a Wi-Fi sign-in page.
package faultproxy

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
)

// Mode is what the proxy does to traffic.
type Mode int

// Modes.
const (
	// Pass forwards traffic both ways.
	Pass Mode = iota
	// Reset resets every connection, new and open, at once (TCP RST).
	Reset
	// Hang holds traffic: new connections are taken and nothing moves on any connection until
	// the mode changes, then it moves again (a link that drops for a while, TCP retransmitting).
	Hang
	// Blackhole loses traffic: what is sent meanwhile is gone, and connections made meanwhile
	// never answer (until the client gives up).
	Blackhole
	// Portal answers every new connection's request with a sign-in page, as a captive portal
	// does, and resets the open ones.
	Portal
)

var names = map[Mode]string{Pass: "pass", Reset: "reset", Hang: "hang", Blackhole: "blackhole", Portal: "captive portal"}

func (m Mode) String() string { return names[m] }

// SignInPage is what Portal answers.
const SignInPage = `<!doctype html><html><head><title>Sign in to Hotel Wi-Fi</title></head>
<body><form action="/login" method="post"><input name="room"><button>Connect</button></form></body></html>`

// Proxy forwards connections to one target address.
type Proxy struct {
	ln     net.Listener
	target string

	mu      sync.Mutex
	mode    Mode
	changed chan struct{} // closed and replaced when the mode changes
	conns   map[*link]bool
	closed  bool
	wg      sync.WaitGroup
}

// link is one client connection and its upstream one.
type link struct {
	client, server net.Conn
	dead           bool // blackholed: it never carries anything again
}

// New listens on 127.0.0.1 and forwards to target (host:port).
func New(target string) (*Proxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &Proxy{ln: ln, target: target, changed: make(chan struct{}), conns: map[*link]bool{}}
	p.wg.Go(p.accept)
	return p, nil
}

// Addr is the proxy's address (host:port).
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// Set changes the mode, for new connections and open ones.
func (p *Proxy) Set(m Mode) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.mode = m
	close(p.changed)
	p.changed = make(chan struct{})
	for l := range p.conns {
		switch m {
		case Reset, Portal:
			p.resetLocked(l)
		case Blackhole:
			l.dead = true
		}
	}
}

// Close stops the proxy and ends every connection.
func (p *Proxy) Close() {
	p.mu.Lock()
	p.closed = true
	p.ln.Close()
	for l := range p.conns {
		p.resetLocked(l)
	}
	close(p.changed)
	p.changed = make(chan struct{})
	p.mu.Unlock()
	p.wg.Wait()
}

func (p *Proxy) resetLocked(l *link) {
	if tc, ok := l.client.(*net.TCPConn); ok {
		tc.SetLinger(0) // close with RST
	}
	l.client.Close()
	if l.server != nil {
		l.server.Close()
	}
	delete(p.conns, l)
}

func (p *Proxy) accept() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.wg.Go(func() { p.serve(c) })
	}
}

// wait returns the mode once it is not Hang (Blackhole for a link lost for good), or false if
// the proxy closed.
func (p *Proxy) wait(l *link) (Mode, bool) {
	for {
		p.mu.Lock()
		mode, changed, closed, dead := p.mode, p.changed, p.closed, l.dead
		p.mu.Unlock()
		switch {
		case closed:
			return mode, false
		case dead:
			return Blackhole, true
		case mode != Hang:
			return mode, true
		}
		<-changed
	}
}

func (p *Proxy) serve(c net.Conn) {
	l := &link{client: c}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		c.Close()
		return
	}
	p.conns[l] = true
	if p.mode == Blackhole {
		l.dead = true
	}
	p.mu.Unlock()
	defer func() {
		p.mu.Lock()
		if p.conns[l] {
			c.Close()
			if l.server != nil {
				l.server.Close()
			}
			delete(p.conns, l)
		}
		p.mu.Unlock()
	}()
	mode, ok := p.wait(l)
	if !ok {
		return
	}
	switch mode {
	case Reset:
		p.mu.Lock()
		p.resetLocked(l)
		p.mu.Unlock()
		return
	case Portal:
		answerPortal(c)
		return
	case Blackhole:
		io.Copy(io.Discard, c) // never answered; ends when the client gives up
		return
	}
	s, err := net.Dial("tcp", p.target)
	if err != nil {
		return
	}
	p.mu.Lock()
	if !p.conns[l] {
		p.mu.Unlock()
		s.Close()
		return
	}
	l.server = s
	p.mu.Unlock()
	done := make(chan struct{}, 2)
	go func() { p.pipe(l, s, c); done <- struct{}{} }()
	go func() { p.pipe(l, c, s); done <- struct{}{} }()
	<-done
}

// pipe copies from src to dst, chunk by chunk, holding each chunk while the mode is Hang and
// dropping it on a blackholed link.
func (p *Proxy) pipe(l *link, dst, src net.Conn) {
	defer dst.Close()
	defer src.Close()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			mode, ok := p.wait(l)
			if !ok {
				return
			}
			if mode == Blackhole {
				continue // lost
			}
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

func answerPortal(c net.Conn) {
	req, err := http.ReadRequest(bufio.NewReader(c))
	if err != nil {
		return
	}
	req.Body.Close()
	resp := &http.Response{StatusCode: http.StatusOK, ProtoMajor: 1, ProtoMinor: 1, Request: req,
		Header: http.Header{"Content-Type": {"text/html; charset=utf-8"}, "Connection": {"close"}},
		Body:   io.NopCloser(strings.NewReader(SignInPage)), ContentLength: int64(len(SignInPage)), Close: true}
	resp.Write(c)
}
