package channels

// Every kind of channel Paywatch documents (README: slack, teams, discord, telegram, smtp, ntfy,
// generic webhooks) against a server that refuses, resets, hangs, or answers with an error: a
// delivery that did not happen must never be reported as delivered (issue 10 item 3).

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// badServer is one way a server can fail; addr is where it listens.
type badServer struct {
	name string
	addr string
}

func listen(t *testing.T) net.Listener {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln
}

// badServers starts a refusing address (nothing listens), a server that resets every
// connection, one that accepts and never answers, and plain and TLS servers that answer every
// HTTP request with 500 and every SMTP command with 554.
func badServers(t *testing.T) (plain []badServer, tlsErr string) {
	refused := listen(t)
	refusedAddr := refused.Addr().String()
	refused.Close()

	reset := listen(t)
	go func() {
		for {
			c, err := reset.Accept()
			if err != nil {
				return
			}
			c.(*net.TCPConn).SetLinger(0)
			c.Close()
		}
	}()

	var hung []net.Conn
	var mu sync.Mutex
	hang := listen(t)
	go func() {
		for {
			c, err := hang.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			hung = append(hung, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		mu.Lock()
		defer mu.Unlock()
		for _, c := range hung {
			c.Close()
		}
	})

	// An error answer: HTTP 500 (with a JSON body saying so, as chat APIs do) or SMTP 554.
	errAnswer := listen(t)
	go func() {
		for {
			c, err := errAnswer.Accept()
			if err != nil {
				return
			}
			go answerWithErrors(c)
		}
	}()
	tlsSrv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusInternalServerError)
		fmt.Fprint(w, `{"ok":false,"error":"internal_error","error_code":500,"description":"boom"}`)
	}))
	tlsSrv.StartTLS()
	t.Cleanup(tlsSrv.Close)
	return []badServer{
		{"refused", refusedAddr}, {"reset", reset.Addr().String()}, {"hang", hang.Addr().String()},
		{"error answer", errAnswer.Addr().String()},
	}, tlsSrv.Listener.Addr().String()
}

// answerWithErrors speaks just enough SMTP and HTTP to fail every request.
func answerWithErrors(c net.Conn) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	fmt.Fprint(c, "554 5.0.0 no service\r\n") // an SMTP greeting that refuses; HTTP clients see garbage
	buf := make([]byte, 4096)
	c.Read(buf)
	fmt.Fprint(c, "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
}

// toward makes every HTTPS and HTTP request made through http.DefaultTransport (as shoutrrr's
// Slack, Discord, Teams, Telegram and webhook services make theirs) go to addr, whatever
// host it names, until the test ends. The transport is installed once and never put back:
// library calls that outlive a test (they cannot be cancelled) still read it.
func toward(t *testing.T, addr string) {
	redirectOnce.Do(func() {
		http.DefaultTransport = &http.Transport{
			DialContext: func(ctx context.Context, network, real string) (net.Conn, error) {
				if to := redirectTo.Load(); to != nil {
					real = *to
				}
				var d net.Dialer
				return d.DialContext(ctx, network, real)
			},
			TLSClientConfig:   &tls.Config{InsecureSkipVerify: true},
			DisableKeepAlives: true,
		}
	})
	redirectTo.Store(&addr)
	t.Cleanup(func() { redirectTo.Store(nil) })
}

var (
	redirectOnce sync.Once
	redirectTo   atomic.Pointer[string]
)

// kindsAt are the documented kinds, addressed so that they reach addr: ntfy and smtp name it in
// their address; the rest name their real hosts, which toward sends to addr.
func kindsAt(addr string) map[string]string {
	return map[string]string{
		"slack webhook": "slack://hook:" + slackHookToken + "@webhook",
		"slack bot":     "slack://xoxb:" + slackBotToken + "@C001CH4NN3L",
		"discord":       "discord://" + discordToken + "@693853386302554172",
		"teams":         "teams://11111111-4444-4444-8444-cccccccccccc@22222222-4444-4444-8444-cccccccccccc/33333333012222222222333333333344/44444444-4444-4444-8444-cccccccccccc/" + teamsExtraID + "?host=contoso.webhook.office.com",
		"telegram":      "telegram://" + telegramToken + "@telegram?chats=@paywatch_ops",
		"ntfy":          "ntfy://" + addr + "/paywatch-alerts?scheme=http",
		"smtp":          "smtp://" + addr + "/?from=paywatch@example.com&to=ops@example.com&auth=None&encryption=None&usestarttls=No",
		"generic":       "generic+https://hooks.example.com/paywatch",
	}
}

func TestNoChannelClaimsAFailedDelivery(t *testing.T) {
	servers, tlsErrAddr := badServers(t)
	var table []string
	for _, srv := range servers {
		t.Run(srv.name, func(t *testing.T) {
			target := srv.addr
			if srv.name == "error answer" {
				target = tlsErrAddr // HTTPS kinds get a real HTTP 500 over TLS
			}
			toward(t, target)
			for kind, u := range kindsAt(srv.addr) {
				d, err := New(channelConfigs(u), nil)
				if err != nil {
					t.Fatalf("%s: %v", kind, err)
				}
				s := d.chans[0].sender
				ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
				err = s.send(ctx, message{Title: TestTitle, Body: TestBody, Key: "k"})
				cancel()
				outcome := "error: " + describe(err, u)
				if err == nil {
					outcome = "claimed delivered"
					t.Errorf("%s against a server that %s: reported delivered", kind, srv.name)
				}
				table = append(table, fmt.Sprintf("%-14s %-13s %s", kind, srv.name, outcome))
			}
		})
	}
	t.Logf("outcomes:\n%s", strings.Join(table, "\n"))
}

// TestTelegramDelivers: Paywatch's own Telegram sender posts what shoutrrr would (the title in
// bold, the text escaped for HTML) to each chat, and counts it delivered when the Bot API says
// ok.
func TestTelegramDelivers(t *testing.T) {
	var mu sync.Mutex
	var got []telegramPayload
	var paths []string
	ok := true
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var p telegramPayload
		json.NewDecoder(r.Body).Decode(&p)
		mu.Lock()
		got, paths = append(got, p), append(paths, r.URL.Path)
		answer := ok
		mu.Unlock()
		if answer {
			fmt.Fprint(w, `{"ok":true,"result":{"message_id":1}}`)
		} else {
			fmt.Fprint(w, `{"ok":false,"description":"Bad Request: chat not found"}`) // 200 with ok false
		}
	}))
	srv.StartTLS()
	defer srv.Close()
	toward(t, srv.Listener.Addr().String())

	u := "telegram://" + telegramToken + "@telegram?chats=@paywatch_ops,-1001234567890:42"
	d, err := New(channelConfigs(u), nil)
	if err != nil {
		t.Fatal(err)
	}
	s := d.chans[0].sender
	if err := s.send(context.Background(), message{Title: "Acme Pay: Major outage", Body: "1 < 2 & <b>x</b>"}); err != nil {
		t.Fatalf("send: %v", err)
	}
	if len(got) != 2 || got[0].ChatID != "@paywatch_ops" || got[1].ChatID != "-1001234567890" || got[1].ThreadID == nil || *got[1].ThreadID != 42 {
		t.Fatalf("telegram got %+v", got)
	}
	if want := "<b>Acme Pay: Major outage</b>\n1 &lt; 2 &amp; &lt;b&gt;x&lt;/b&gt;"; got[0].Text != want || got[0].ParseMode != "HTML" {
		t.Errorf("text %q mode %q, want %q in HTML", got[0].Text, got[0].ParseMode, want)
	}
	if paths[0] != "/bot"+telegramToken+"/sendMessage" {
		t.Errorf("path %q", paths[0])
	}
	mu.Lock()
	ok = false
	mu.Unlock()
	err = s.send(context.Background(), message{Title: "t", Body: "b"})
	if err == nil || !strings.Contains(describe(err, u), "chat not found") || strings.Contains(describe(err, u), telegramToken) {
		t.Errorf("ok:false answer: %v (%s)", err, describe(err, u))
	}
}
