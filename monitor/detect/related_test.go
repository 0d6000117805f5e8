package detect

import (
	"net/url"
	"testing"
)

func TestRelated(t *testing.T) {
	tests := []struct {
		asked, pageURL, pageID string
		want                   bool
	}{
		{asked: "https://status.coinbase.com", pageURL: "https://status.coinbase.com", want: true},
		{asked: "https://status.coinbase.com", pageURL: "", want: true},
		{asked: "https://status.coinbase.com", pageURL: "https://www.coinbase.com/", want: true},
		{asked: "https://www.githubstatus.com", pageURL: "https://githubstatus.com", want: true},
		{asked: "https://githubstatus.com", pageURL: "https://www.githubstatus.com", want: true},
		{asked: "https://status.acme.co.uk", pageURL: "https://help.acme.co.uk", want: true},
		{asked: "https://status.acme.com", pageURL: "status.acme.com", want: true}, // Statuspal gives bare hosts
		{asked: "https://STATUS.Acme.com.", pageURL: "https://status.acme.com", want: true},
		// Statuspage's page-id address and hosted addresses.
		{asked: "https://kctbh9vrtdwd.statuspage.io", pageURL: "https://www.githubstatus.com", pageID: "kctbh9vrtdwd", want: true},
		{asked: "https://kctbh9vrtdwd.statuspage.io", pageURL: "https://www.githubstatus.com", pageID: "aaaaaaaaaaaa", want: false},
		{asked: "https://acme-pay.statuspage.io", pageURL: "https://status.acmepay.com", want: true},
		{asked: "https://status.acmepay.com", pageURL: "https://acmepay.statuspage.io", want: true},
		{asked: "https://statuspage.incident.io/openai", pageURL: "https://status.openai.com", want: true},
		{asked: "https://statuspage.incident.io/acme", pageURL: "https://status.openai.com", want: false},
		// Someone else's.
		{asked: "https://status.acme.com", pageURL: "https://status.othercorp.com", want: false},
		{asked: "https://paypal.statuspage.io", pageURL: "https://status.evil.example", want: false},
		{asked: "https://pay.statuspage.io", pageURL: "https://pay.evil.com", want: false},
		{asked: "https://acme.statuspage.io", pageURL: "https://other.statuspage.io", want: false},
		{asked: "https://acme.instatus.com", pageURL: "https://other.instatus.com", want: false},
		{asked: "https://status.acme.co.uk", pageURL: "https://status.other.co.uk", want: false},
		{asked: "http://127.0.0.1:8080", pageURL: "https://status.acme.com", want: false},
		{asked: "http://127.0.0.1:8080", pageURL: "http://127.0.0.1:9999/", want: true},
	}
	for _, tt := range tests {
		t.Run(tt.asked+" "+tt.pageURL, func(t *testing.T) {
			u, err := url.Parse(tt.asked)
			if err != nil {
				t.Fatal(err)
			}
			if got := related(u, tt.pageURL, tt.pageID); got != tt.want {
				t.Errorf("related(%q, %q, %q) = %v, want %v", tt.asked, tt.pageURL, tt.pageID, got, tt.want)
			}
		})
	}
}

func TestNormalize(t *testing.T) {
	tests := []struct{ in, want string }{
		{"status.stripe.com", "https://status.stripe.com"},
		{"  HTTPS://Status.Stripe.com/  ", "https://status.stripe.com"},
		{"http://127.0.0.1:8080/acme/?x=1#y", "http://127.0.0.1:8080/acme"},
		{"//status.example.com", "https://status.example.com"},
		{"statuspage.incident.io/openai/", "https://statuspage.incident.io/openai"},
	}
	for _, tt := range tests {
		if got, err := Normalize(tt.in); err != nil || got != tt.want {
			t.Errorf("Normalize(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestFeedLinks(t *testing.T) {
	base, _ := url.Parse("https://status.acme.com/eu")
	home := []byte(`<html><head>
		<link rel="alternate" type="text/html" href="/other">
		<link rel="ALTERNATE nofollow" type="application/rss+xml" href='history.rss'>
		<LINK href=https://feeds.acme.com/status.atom type=application/atom+xml rel=alternate>
		<link rel="alternate" type="application/atom+xml" href="javascript:alert(1)">
		<link rel="alternate" type="application/atom+xml" href="https://user:pw@acme.com/feed">
		<link rel="stylesheet" type="application/atom+xml" href="/not-a-feed">
	</head></html>`)
	got := FeedLinks(base, home)
	want := []string{"https://status.acme.com/eu/history.rss", "https://feeds.acme.com/status.atom"}
	if len(got) != len(want) {
		t.Fatalf("feedLinks = %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("feedLinks[%d] = %q, want %q", i, got[i], want[i])
		}
	}
}
