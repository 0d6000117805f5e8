package feed

import (
	"bytes"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/paywatch/paywatch/monitor"
	"github.com/paywatch/paywatch/monitor/sourcetest"
)

// corpus is every real feed in testdata/corpus (sources in testdata/corpus/INDEX.md), read at
// the time given, with the state a person reading it then would give and why.
type corpusFeed struct {
	file, publisher, lang string
	now                   string
	want                  monitor.State
	reason                string
}

var corpus = []corpusFeed{
	{"koumbit_cachet_corrige_fr.rss", "Koumbit (Cachet)", "fr+en", "2015-03-19T00:00:00Z", monitor.StateOperational,
		"both items' status is Corrigé (fixed); the network reconfiguration says no outage occurred"},
	{"slack_atom_threads_resolved.atom", "Slack", "en", "2025-12-18T17:00:00Z", monitor.StateOperational,
		"the newest update says the threads issue has been resolved"},
	{"slack_rss_threads_summary.rss", "Slack", "en", "2025-12-18T17:00:00Z", monitor.StateOperational,
		"the only item is the after-the-fact summary of a span that ended (From 7:12 AM to 4:50 PM)"},
	{"slack_atom_salesforce_notice.atom", "Slack", "en", "2026-02-02T18:00:00Z", monitor.StateOperational,
		"the incident is now resolved; the notice only announces maintenance"},
	{"github_history_update.atom", "GitHub", "en", "2026-06-05T17:30:00Z", monitor.StatePartialOutage,
		"'Disruption with some GitHub services' is open: a disruption of some services"},
	{"github_history_update.rss", "GitHub", "en", "2026-06-05T17:30:00Z", monitor.StatePartialOutage,
		"the same incident in the RSS form"},
	{"github_history_2021.rss", "GitHub", "en", "2021-12-11T08:03:00Z", monitor.StateOperational,
		"both incidents' newest updates are Resolved"},
	{"github_history_mixed.atom", "GitHub", "en", "2026-06-08T09:10:00Z", monitor.StatePartialOutage,
		"a disruption of one model is open (and a maintenance is in progress)"},
	{"github_history_runner_groups.atom", "GitHub", "en", "2026-08-18T12:00:00Z", monitor.StateDegraded,
		"'Elevated API errors' is still being investigated: errors, not an outage"},
	{"claude_history_update.atom", "Anthropic (Claude)", "en", "2026-09-03T15:00:00Z", monitor.StateDegraded,
		"'Elevated errors for multiple models' is open; the other incident is resolved"},
	{"openai_incidentio_history.atom", "OpenAI (incident.io)", "en", "2026-09-03T15:20:00Z", monitor.StateDegraded,
		"'Elevated errors across ChatGPT and Codex' is being investigated"},
	{"openrouter_statuspage.rss", "OpenRouter", "en", "2026-09-03T16:10:00Z", monitor.StateDegraded,
		"'Elevated 429s' is being investigated; the other incident is RESOLVED"},
	{"quay_history_maintenance.rss", "Quay.io (Red Hat)", "en", "2021-12-14T09:00:00Z", monitor.StateOperational,
		"both maintenances are Completed"},
	{"instatus_history_resolved.atom", "Instatus (Perplexity, Kagi)", "en", "2026-06-05T02:00:00Z", monitor.StateOperational,
		"the incident is Resolved and the maintenance Completed"},
	{"xai_status_outage.rss", "x.ai", "en", "2026-09-03T14:00:00Z", monitor.StateMajorOutage,
		"'Models outage' is active with severity outage"},
	{"mistral_rss_updates_resolved.rss", "Mistral AI", "en", "2026-07-26T03:00:00Z", monitor.StateOperational,
		"the newer of the incident's two updates says Status: Resolved"},
	{"redis_nunc_resolved.rss", "Redis", "en", "2026-09-05T14:00:00Z", monitor.StateOperational,
		"the update (#2) to the incident says its milestone is now resolved"},
	{"redis_nunc_open.rss", "Redis", "en", "2026-09-06T12:30:00Z", monitor.StatePartialOutage,
		"a regional network outage is being investigated"},
	{"bwhstatus_open_and_resolved.atom", "BandwagonHost", "en", "2026-08-06T18:00:00Z", monitor.StateDegraded,
		"packet loss in Los Angeles is being investigated; the Osaka work is resolved"},
	{"tor_cstate_ddos.rss", "Tor Project (cState)", "en", "2022-06-09T15:00:00Z", monitor.StateDegraded,
		"a DDoS is hurting performance and is being investigated; older items are [Resolved]"},
	{"azure_active_checkmk.rss", "Microsoft Azure", "en", "2022-11-17T09:00:00Z", monitor.StateDegraded,
		"three active items (investigating, mitigating, an issue): connectivity problems, no outage named"},
	{"aws_tokyo_ec2_ja.rss", "AWS", "ja+en", "2019-08-23T12:00:00Z", monitor.StateOperational,
		"the newest item of the event says Service is operating normally"},
	{"betterstack_langdock_guid.rss", "Better Stack (Langdock)", "en", "2026-07-29T07:00:00Z", monitor.StateMajorOutage,
		"Chat API went down and has not recovered; Workflows Runtime recovered"},
	{"betterstack_langdock_prose.rss", "Better Stack (Langdock)", "en", "2026-08-11T00:00:00Z", monitor.StatePartialOutage,
		"two incidents ended in prose (back to normal, available again); some models are still unavailable"},
	{"betterstack_suffix_and_stale.rss", "Better Stack", "en", "2026-05-16T12:30:00Z", monitor.StateDegraded,
		"API errors are open; file uploads resolved (a title suffix); the 2024 item no longer counts"},
	{"hund_state_feed_de_en.atom", "hund.io", "de+en", "2026-05-16T16:30:00Z", monitor.StateDegraded,
		"login failures are investigated; [Ended], [Gelöst], [Beendet] are over and [Information] is no incident"},
	{"metanet_statusmeldungen_de.rss", "Metanet", "de", "2026-04-15T11:00:00Z", monitor.StatePartialOutage,
		"a Betriebsunterbruch on one server; the DNS Stoerung is behoben; the Wartungsarbeiten are ahead"},
	{"azure_quiet_2026.rss", "Microsoft Azure", "en", "2026-08-06T02:00:00Z", monitor.StateOperational,
		"the feed lists nothing: Azure lists only what is going on"},
	{"aws_bedrock_quiet.rss", "AWS", "en", "2026-03-24T14:00:00Z", monitor.StateOperational,
		"no items; the channel says the service is operating normally"},
	{"hetzner_status_de_2015.atom", "Hetzner", "de", "2015-06-07T15:00:00Z", monitor.StateOperational,
		"the vHost Störung's update says the server is wieder online; the Wartungsarbeiten are abgeschlossen"},
	{"bosch_wartungsarbeiten_de.rss", "Bosch Smart Home", "de", "2026-05-18T12:00:00Z", monitor.StateOperational,
		"Wartung announced for the next day, nothing broken"},
}

func TestCorpusFeeds(t *testing.T) {
	index := string(sourcetest.ReadFile(t, filepath.Join("testdata", "corpus", "INDEX.md")))
	files, err := filepath.Glob(filepath.Join("testdata", "corpus", "*.*"))
	if err != nil {
		t.Fatal(err)
	}
	var listed []string
	publishers, langs := map[string]bool{}, map[string]bool{}
	for _, c := range corpus {
		listed = append(listed, c.file)
		publishers[c.publisher] = true
		for _, l := range strings.Split(c.lang, "+") {
			langs[l] = true
		}
		t.Run(c.file, func(t *testing.T) {
			if !strings.Contains(index, c.file) {
				t.Errorf("%s has no source in INDEX.md", c.file)
			}
			r, err := ParseWith(bytes.NewReader(sourcetest.ReadFile(t, filepath.Join("testdata", "corpus", c.file))),
				Options{Now: sourcetest.MustTime(t, c.now)})
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			sourcetest.CheckReport(t, r)
			if got, _, _ := monitor.Rollup(r, monitor.ComponentFilter{}); got != c.want {
				t.Errorf("state %v, want %v (%s); incidents %+v, maintenances %+v", got, c.want, c.reason, r.Incidents, r.Maintenances)
			}
		})
	}
	for _, f := range files {
		if name := filepath.Base(f); name != "INDEX.md" && !slices.Contains(listed, name) {
			t.Errorf("%s is in testdata/corpus but not in the corpus table", name)
		}
	}
	if len(publishers) < 10 {
		t.Errorf("%d publishers, want at least 10", len(publishers))
	}
	t.Logf("feed corpus: %d files, %d publishers, languages %v", len(corpus), len(publishers), keys(langs))
}

func keys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// TestCorpusFeedsAge: the same feeds read long after their last update have nothing open, and
// what they closed for its age says so.
func TestCorpusFeedsAge(t *testing.T) {
	const day = 24 * time.Hour
	for _, file := range []string{"tor_cstate_ddos.rss", "redis_nunc_open.rss", "betterstack_langdock_guid.rss"} {
		t.Run(file, func(t *testing.T) {
			b := sourcetest.ReadFile(t, filepath.Join("testdata", "corpus", file))
			c := corpus[slices.IndexFunc(corpus, func(c corpusFeed) bool { return c.file == file })]
			now := sourcetest.MustTime(t, c.now)
			for _, tt := range []struct {
				after, maxAge time.Duration // maxAge 0: the default
				open          bool
			}{{day, 0, true}, {8 * day, 0, false}, {8 * day, 30 * day, true}, {31 * day, 30 * day, false}, {8 * day, -1, true}} {
				r, err := ParseWith(bytes.NewReader(b), Options{Now: now.Add(tt.after), MaxAge: tt.maxAge})
				if err != nil {
					t.Fatal(err)
				}
				if got := len(r.Incidents) > 0; got != tt.open {
					t.Errorf("%v later, max age %v: open %v, want %v (%+v)", tt.after, tt.maxAge, got, tt.open, r.Incidents)
				}
				stale := slices.ContainsFunc(r.Resolved, func(in monitor.Incident) bool {
					return strings.HasPrefix(in.Status, "no longer counted as open: no update for ")
				})
				if !tt.open && !stale {
					t.Errorf("%v later, max age %v: nothing marked as closed for its age in %+v", tt.after, tt.maxAge, r.Resolved)
				}
			}
		})
	}
}
