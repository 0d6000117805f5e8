package channels

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"
)

// Real-looking secrets, as the services hand them out (from shoutrrr's documentation).
const (
	slackHookToken = "WNA3PBYV6-F20DUQND3RQ-Webc4MAvoacrpPakR8phF0zi"
	slackBotToken  = "123456789012-1234567890123-4mt0t4l1YL3g1T5L4cK70k3N"
	discordToken   = "W3dE2OZz4C13_4z_uHfDOoC7BqTW288s-z1ykqI0iJnY_HjRqMGO8Sc7YDqvf_KVKjhJ"
	teamsExtraID   = "V2ESyij_gAljSoUQHvZoZYzlpAoAXExyOl26dlf1xHEx05"
	telegramToken  = "110201543:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
	smtpPassword   = "s3cr3t-P4ss!"
	webhookToken   = "9f8e7d6c5b4a39281706f5e4d3c2b1a0"
)

func TestRedact(t *testing.T) {
	tests := []struct {
		name, url, want string
		secrets         []string
	}{
		{"slack webhook", "slack://hook:" + slackHookToken + "@webhook?color=good",
			"slack://webhook", []string{slackHookToken, "WNA3PBYV6"}},
		{"slack bot", "slack://xoxb:" + slackBotToken + "@C001CH4NN3L?title=Great+News",
			"slack://…", []string{slackBotToken, "4mt0t4l1YL3g1T5L4cK70k3N"}},
		{"slack legacy", "slack://T0123ABCD/B0123ABCD/Webc4MAvoacrpPakR8phF0zi",
			"slack://…", []string{"Webc4MAvoacrpPakR8phF0zi", "B0123ABCD"}},
		{"discord", "discord://" + discordToken + "@693853386302554172?thread_id=123456789",
			"discord://…", []string{discordToken, "123456789"}},
		{"teams", "teams://11111111-4444-4444-8444-cccccccccccc@22222222-4444-4444-8444-cccccccccccc/33333333012222222222333333333344/44444444-4444-4444-8444-cccccccccccc/" + teamsExtraID + "?host=contoso.webhook.office.com",
			"teams://…",
			[]string{teamsExtraID, "11111111-4444-4444-8444-cccccccccccc", "33333333012222222222333333333344", "contoso"}},
		{"telegram", "telegram://" + telegramToken + "@telegram?chats=@paywatch_ops,-1001234567890",
			"telegram://telegram", []string{telegramToken, "AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw", "110201543", "paywatch_ops"}},
		{"smtp", "smtp://ops%40example.com:" + url.QueryEscape(smtpPassword) + "@smtp.example.com:587/?from=paywatch@example.com&to=ops@example.com",
			"smtp://smtp.example.com:587", []string{smtpPassword, "s3cr3t", "ops@", "ops%40"}},
		{"ntfy topic is a secret", "ntfy://ntfy.sh/acme-payments-alerts?priority=5",
			"ntfy://ntfy.sh", []string{"acme-payments-alerts"}},
		{"ntfy with login", "ntfy://paywatch:hunter22@ntfy.example.com:8080/alerts",
			"ntfy://ntfy.example.com:8080", []string{"hunter22", "alerts"}},
		{"generic token in query", "generic+https://hooks.example.com/paywatch/incoming?token=" + webhookToken,
			"generic+https://hooks.example.com", []string{webhookToken}},
		{"generic token in path", "generic+https://hooks.example.com/api/v1/hook/" + webhookToken,
			"generic+https://hooks.example.com", []string{webhookToken}},
		{"generic header", "generic://example.com/hook?@Authorization=Bearer%20abc123def456",
			"generic://example.com", []string{"abc123def456", "Bearer"}},
		{"plain local webhook shows its host", "generic+http://192.168.1.20:8080/hook",
			"generic+http://192.168.1.20:8080", nil},
		{"zapier ids that are plain digits and short tokens", "generic+https://hooks.zapier.com/hooks/catch/1234567/3ab9xk2/",
			"generic+https://hooks.zapier.com", []string{"1234567", "3ab9xk2", "catch"}},
		{"a plain word is a secret too", "generic+https://example.com/webhook/mysecrettoken",
			"generic+https://example.com", []string{"mysecrettoken", "webhook"}},
		{"ipv6 host", "generic+http://[::1]:9000/x/secretword", "generic+http://[::1]:9000", []string{"secretword"}},
		{"id as host keeps the port", "generic+http://abc123def456:99/", "generic+http://…:99", []string{"abc123def456"}},
		{"unparseable keeps only the scheme", "slack://hook:" + slackHookToken + "@%zz",
			"slack://…", []string{slackHookToken}},
		{"not an address", "hook:" + slackHookToken,
			"hook:…", []string{slackHookToken}},
		{"nothing like one", "%zz" + slackHookToken, "…", []string{slackHookToken}},
		{"fragment", "generic+https://example.com/hook#" + webhookToken,
			"generic+https://example.com", []string{webhookToken}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Redact(tt.url)
			if got != tt.want {
				t.Errorf("Redact(%q) = %q, want %q", tt.url, got, tt.want)
			}
			for _, s := range tt.secrets {
				if strings.Contains(got, s) {
					t.Errorf("Redact(%q) = %q shows %q", tt.url, got, s)
				}
			}
		})
	}
}

func TestRedactErr(t *testing.T) {
	tests := []struct {
		name, url string
		err       error
		secrets   []string
	}{
		{"telegram API address built from the token",
			"telegram://" + telegramToken + "@telegram?chats=@ops",
			fmt.Errorf(`posting JSON to "https://api.telegram.org/bot%s/sendMessage": got unexpected HTTP status: 401 Unauthorized`, telegramToken),
			[]string{telegramToken, "AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw", "110201543"}},
		{"the address itself",
			"generic+https://hooks.example.com/in?token=" + webhookToken,
			fmt.Errorf("locating service for URL %q: boom", "generic+https://hooks.example.com/in?token="+webhookToken),
			[]string{webhookToken}},
		{"shoutrrr's converted address",
			"generic+https://hooks.example.com/in?token=" + webhookToken,
			fmt.Errorf("Post \"https://hooks.example.com/in?token=%s\": dial tcp: connection refused", webhookToken),
			[]string{webhookToken}},
		{"password, escaped or not",
			"smtp://ops:" + url.QueryEscape(smtpPassword) + "@smtp.example.com:587/?from=a@example.com&to=b@example.com",
			fmt.Errorf("auth %s / %s failed", smtpPassword, url.QueryEscape(smtpPassword)),
			[]string{smtpPassword, url.QueryEscape(smtpPassword)}},
		{"slack token reshaped",
			"slack://T0123ABCD/B0123ABCD/Webc4MAvoacrpPakR8phF0zi",
			errors.New("invalid token hook:T0123ABCD-B0123ABCD-Webc4MAvoacrpPakR8phF0zi"),
			[]string{"Webc4MAvoacrpPakR8phF0zi"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := redactErr(tt.err, tt.url)
			for _, s := range tt.secrets {
				if strings.Contains(got, s) {
					t.Errorf("redactErr() = %q shows %q", got, s)
				}
			}
			if got == "" {
				t.Errorf("redactErr() is empty")
			}
		})
	}
	if got := redactErr(nil, "slack://x"); got != "" {
		t.Errorf("redactErr(nil) = %q, want empty", got)
	}
}

func TestDescribe(t *testing.T) {
	const u = "generic+https://hooks.example.com/in?token=" + webhookToken
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"server error", errors.New("failed to send notification to generic webhook: server returned unexpected response status code: 500 Internal Server Error"),
			"the service had a problem (HTTP 500 Internal Server Error)"},
		{"bad token", errors.New("got unexpected HTTP status: 403 Forbidden"),
			"the service refused the credentials (HTTP 403 Forbidden): check the token in the address"},
		{"gone", errors.New("server returned unexpected response status code: 404 Not Found"),
			"the service does not know this address (HTTP 404 Not Found): check the webhook address"},
		{"timeout", fmt.Errorf("no answer in time: %w", context.DeadlineExceeded), "no answer in time"},
		{"refused", fmt.Errorf(`sending HTTP request: Post "https://hooks.example.com/in?token=%s": dial tcp 127.0.0.1:1: connect: connection refused`, webhookToken),
			"nothing answered at that address (connection refused)"},
		{"dns", errors.New("dial tcp: lookup hooks.example.com: no such host"),
			"the server's name could not be found: check the address, or this computer may be offline"},
		{"other", fmt.Errorf("weird %s", webhookToken), "could not deliver: weird …"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := describe(tt.err, u); got != tt.want {
				t.Errorf("describe() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	err := Validate(channelConfigs(
		"slack://hook:"+slackHookToken+"@webhook",
		"nope://x:"+webhookToken+"@host",
		"telegram://"+telegramToken+"@telegram", // no chats
		"smtp://ops:"+smtpPassword+"@mail.example.com/?from=a@example.com",
		"generic+http://127.0.0.1:8080/hook",
		"not an address "+webhookToken,
	))
	if err == nil {
		t.Fatal("Validate() = nil, want errors")
	}
	msg := err.Error()
	for _, want := range []string{
		`channels[2] (nope://host): url: "nope" is not a kind of channel`,
		"channels[3] (telegram://telegram): url: not a valid telegram address",
		"channels[4] (smtp://mail.example.com): url: not a valid smtp address",
		"channels[6] (…): url: not a channel address",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("Validate() =\n%s\nwant it to contain %q", msg, want)
		}
	}
	for _, bad := range []string{"channels[1]", "channels[5]"} {
		if strings.Contains(msg, bad) {
			t.Errorf("Validate() =\n%s\ncomplains about %s, which is valid", msg, bad)
		}
	}
	for _, s := range []string{slackHookToken, webhookToken, telegramToken, smtpPassword} {
		if strings.Contains(msg, s) {
			t.Errorf("Validate() shows the secret %q:\n%s", s, msg)
		}
	}
	if got := len(strings.Split(msg, "\n")); got != 4 {
		t.Errorf("Validate() reported %d problems, want 4:\n%s", got, msg)
	}
	if err := Validate(nil); err != nil {
		t.Errorf("Validate(nil) = %v, want nil", err)
	}
}

func FuzzRedact(f *testing.F) {
	for _, s := range []string{
		"slack://hook:" + slackHookToken + "@webhook",
		"smtp://user:pass@host:25/?from=a@b.c&to=d@e.f",
		"generic+https://example.com/a/" + webhookToken + "?token=abc",
		"ntfy://ntfy.sh/topic",
		"%zz://x:y@z",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		got := Redact(raw)
		u, err := url.Parse(strings.TrimSpace(raw))
		if err != nil || u.User == nil {
			return
		}
		visible := u.Scheme + "://" + u.Host
		for _, s := range []string{u.User.Username(), func() string { p, _ := u.User.Password(); return p }()} {
			if len(s) >= 3 && !strings.Contains(visible, s) && strings.Contains(got, s) {
				t.Errorf("Redact(%q) = %q shows user info %q", raw, got, s)
			}
		}
	})
}

// TestRedactErrPlainPathSecrets: a secret that is a plain word or a short number never shows in
// an error's text either.
func TestRedactErrPlainPathSecrets(t *testing.T) {
	const u = "generic+https://hooks.zapier.com/hooks/catch/1234567/3ab9xk2/"
	err := fmt.Errorf("Post %q: got 500; token 3ab9xk2 for 1234567", "https://hooks.zapier.com/hooks/catch/1234567/3ab9xk2/")
	got := redactErr(err, u)
	for _, s := range []string{"1234567", "3ab9xk2"} {
		if strings.Contains(got, s) {
			t.Errorf("redactErr() = %q shows %q", got, s)
		}
	}
	err = errors.New("refused by example.com/webhook/mysecrettoken")
	if got := redactErr(err, "generic+https://example.com/webhook/mysecrettoken"); strings.Contains(got, "mysecrettoken") {
		t.Errorf("redactErr() = %q shows the token", got)
	}
}
