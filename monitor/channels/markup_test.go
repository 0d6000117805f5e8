package channels

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/nicholas-fedor/shoutrrr/pkg/types"

	"github.com/paywatch/paywatch/monitor"
)

// captureService is a shoutrrr service that keeps what it was asked to send.
type captureService struct {
	types.Service
	mu     sync.Mutex
	text   string
	params types.Params
}

func (c *captureService) Send(text string, params *types.Params) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.text, c.params = text, *params
	return nil
}

// hostileNotification is built the way the alert policy builds one, from an incident whose title
// ends inside a tag and whose update finishes it, with a Markdown link and a mention.
func hostileNotification() monitor.Notification {
	title := monitor.PageLine(`Card payments <a href="https://evil.example/login" x="`)
	update := monitor.Sanitize(`">Click here</a> & see [the fix](https://evil.example/fix) @everyone <!channel> <@123>`, 240)
	return monitor.Notification{ServiceID: "acme-pay", Title: "Acme Pay: Major outage", Body: title + " — " + update,
		State: monitor.StateMajorOutage, Severity: monitor.StateMajorOutage}
}

// TestChannelTextEscapedForEachSyntax: the final text each chat receives carries no link, no
// mention and no markup of its own syntax, whatever the parts were (issue 10 item 6).
func TestChannelTextEscapedForEachSyntax(t *testing.T) {
	n := hostileNotification()
	tests := []struct {
		scheme string
		bad    []string // what must not appear in what the channel receives
		want   []string // what must: the words, readable
	}{
		{"slack", []string{"<a ", "<!channel>", "<@123>", "@everyone"}, []string{"Click here", "&lt;a href", "&amp;"}},
		{"discord", []string{"[the fix](", "@everyone", "<@123>"}, []string{"Click here", `\[the fix\]\(https`}},
		{"teams", []string{"[the fix](", "<a ", "@everyone"}, []string{"Click here", "&lt;a href"}},
		{"mattermost", []string{"[the fix](", "@everyone"}, []string{"Click here"}},
		{"generic", nil, []string{`<a href="https://evil.example/login" x=" — ">Click here`}}, // JSON: plain text, as it is
	}
	for _, tt := range tests {
		t.Run(tt.scheme, func(t *testing.T) {
			svc := &captureService{}
			var calls sync.WaitGroup
			s := newShoutrrrSender(svc, tt.scheme, "", &calls)
			if err := s.send(context.Background(), message{Title: n.Title, Body: n.Body}); err != nil {
				t.Fatal(err)
			}
			calls.Wait()
			title, _ := svc.params.Title()
			got := title + "\n" + svc.text
			for _, b := range tt.bad {
				if strings.Contains(got, b) {
					t.Errorf("%s receives %q:\n%s", tt.scheme, b, got)
				}
			}
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("%s receives\n%s\nwant it to contain %q", tt.scheme, got, w)
				}
			}
		})
	}
}

// TestMarkupFollowsTheAddress: Telegram and e-mail take the syntax their address asks for.
func TestMarkupFollowsTheAddress(t *testing.T) {
	tests := []struct {
		url, in, want string
	}{
		{"telegram://" + telegramToken + "@telegram?chats=@ops", "<b>x</b>", "<b>x</b>"},
		{"telegram://" + telegramToken + "@telegram?chats=@ops&parsemode=HTML", "<b>x</b> & y", "&lt;b&gt;x&lt;/b&gt; &amp; y"},
		{"telegram://" + telegramToken + "@telegram?chats=@ops&parsemode=Markdown", "[a](b)", `\[a\]\(b\)`},
		{"smtp://u:p@mail.example.com:25/?from=a@example.com&to=b@example.com", "<a>", "<a>"},
		{"smtp://u:p@mail.example.com:25/?from=a@example.com&to=b@example.com&usehtml=yes", "<a>", "&lt;a&gt;"},
	}
	for _, tt := range tests {
		svc, scheme, err := newService(tt.url)
		if err != nil {
			t.Fatalf("%s: %v", Redact(tt.url), err)
		}
		if got := markupFor(svc, scheme)(tt.in); got != tt.want {
			t.Errorf("%s: %q → %q, want %q", tt.url[len(tt.url)-20:], tt.in, got, tt.want)
		}
	}
}
