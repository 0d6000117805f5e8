package platforms

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
)

// The host names that give a platform away (detect.Candidate.Host): the address names the
// platform, so detection reads the endpoint at once instead of searching the site.

// site takes an address apart the way every host check reads it.
func site(u *url.URL) (host, origin, path string) {
	return strings.TrimPrefix(u.Hostname(), "www."), u.Scheme + "://" + u.Host, strings.TrimRight(u.Path, "/")
}

func stripeHost(u *url.URL) (string, bool, error) {
	if host, origin, _ := site(u); host == "status.stripe.com" {
		return origin + "/current", true, nil
	}
	return "", false, nil
}

func slackHost(u *url.URL) (string, bool, error) {
	if host, origin, _ := site(u); host == "slack-status.com" {
		return origin + "/api/v2.0.0/current", true, nil
	}
	return "", false, nil
}

// gcpHost knows Google Cloud's dashboard and Google Workspace's, which share its schema.
func gcpHost(u *url.URL) (string, bool, error) {
	host, origin, path := site(u)
	switch {
	case host == "status.cloud.google.com":
		return origin + "/incidents.json", true, nil
	case host == "google.com" && strings.HasPrefix(path, "/appsstatus"):
		return origin + "/appsstatus/dashboard/incidents.json", true, nil
	}
	return "", false, nil
}

var (
	statusioPath  = regexp.MustCompile(`^/1\.0/status/([0-9a-fA-F]{24})(?:/|$)`)
	sorryPath     = regexp.MustCompile(`^/v1/pages/([A-Za-z0-9]+)(?:/|$)`)
	statuspalPath = regexp.MustCompile(`^/api/v2/status_pages/([A-Za-z0-9][A-Za-z0-9-]*)(?:/|$)`)
	subdomainRE   = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)
)

func statusioHost(u *url.URL) (string, bool, error) {
	host, origin, path := site(u)
	if host != "api.status.io" {
		return "", false, nil
	}
	m := statusioPath.FindStringSubmatch(path)
	if m == nil {
		return "", false, fmt.Errorf("give the status.io page's API address with its page id (https://api.status.io/1.0/status/<page id>, the id is in the status page's source)")
	}
	return origin + "/1.0/status/" + strings.ToLower(m[1]), true, nil
}

func sorryHost(u *url.URL) (string, bool, error) {
	host, origin, path := site(u)
	if host != "api.sorryapp.com" {
		return "", false, nil
	}
	m := sorryPath.FindStringSubmatch(path)
	if m == nil {
		return "", false, fmt.Errorf("give the Sorry page's API address with its page id (https://api.sorryapp.com/v1/pages/<page id>, the id is in the status page's source)")
	}
	return origin + "/v1/pages/" + m[1], true, nil
}

// statuspalHost knows a page's own address (https://acme.statuspal.io) and its API address.
func statuspalHost(u *url.URL) (string, bool, error) {
	host, origin, path := site(u)
	if host == "statuspal.io" || host == "statuspal.eu" {
		m := statuspalPath.FindStringSubmatch(path)
		if m == nil {
			return "", false, fmt.Errorf("give the Statuspal page's own address (https://<name>.%s)", host)
		}
		return origin + "/api/v2/status_pages/" + strings.ToLower(m[1]) + "/summary", true, nil
	}
	for _, apex := range []string{".statuspal.io", ".statuspal.eu"} {
		if sub, found := strings.CutSuffix(host, apex); found && subdomainRE.MatchString(sub) {
			return u.Scheme + "://" + apex[1:] + "/api/v2/status_pages/" + sub + "/summary", true, nil
		}
	}
	return "", false, nil
}
