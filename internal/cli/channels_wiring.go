package cli

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"

	"github.com/paywatch/paywatch/monitor"
	"github.com/paywatch/paywatch/monitor/channels"
)

// channelConfigs names services by id, as notifications do: settings may name a service by its
// name or its id.
func channelConfigs(cfg *monitor.Config) []monitor.ChannelConfig {
	out := make([]monitor.ChannelConfig, 0, len(cfg.Channels))
	for _, ch := range cfg.Channels {
		c := ch
		c.Services = nil
		for _, want := range ch.Services {
			id := want
			for _, s := range cfg.Services {
				if strings.EqualFold(s.Name, want) || strings.EqualFold(s.ServiceID(), want) {
					id = s.ServiceID()
				}
			}
			c.Services = append(c.Services, id)
		}
		out = append(out, c)
	}
	return out
}

// newChannels builds the team-channel dispatcher; nil when none are set up or they cannot be.
// Its outbox (what is still to be delivered, kept across restarts) sits next to the alert state;
// without a state path (the demo) nothing is kept.
func newChannels(cfg *monitor.Config, log *slog.Logger, statePath string) *channels.Dispatcher {
	if len(cfg.Channels) == 0 {
		return nil
	}
	d, err := channels.New(channelConfigs(cfg), log.With("component", "channels"))
	if err != nil {
		log.Error("team channels unavailable", "err", err)
		return nil
	}
	if statePath != "" {
		if err := d.UseOutbox(outboxPath(statePath)); err != nil {
			log.Warn("team channel outbox unavailable; messages not yet delivered are lost on a restart", "err", err)
		}
	}
	return d
}

// channelSink delivers to the team channels: each notification is queued for every channel
// that wants it, without ever waiting on one. A nil dispatcher is no sink.
func channelSink(d *channels.Dispatcher) sink {
	if d == nil {
		return sink{name: "channels"}
	}
	return sink{name: "channels", run: func(ctx context.Context, updates <-chan monitor.Update) {
		var wg sync.WaitGroup
		defer wg.Wait()
		wg.Go(func() { d.Run(ctx) })
		for {
			select {
			case <-ctx.Done():
				return
			case u := <-updates:
				for _, n := range u.Notifications {
					d.Send(n)
				}
			}
		}
	}}
}

// channelProblems is what the tray shows about team channels that fail to deliver.
func channelProblems(d *channels.Dispatcher) func() []string {
	if d == nil {
		return nil
	}
	return func() []string {
		var lines []string
		for _, st := range d.Status() {
			switch {
			case !st.OK:
				lines = append(lines, fmt.Sprintf("Team alerts to %s are failing: %s", st.Name, st.LastError))
			case st.Dropped > 0:
				lines = append(lines, fmt.Sprintf("Team alerts to %s: %d messages could not be queued", st.Name, st.Dropped))
			}
		}
		return lines
	}
}

// outboxPath is the team channels' outbox, next to the alert state file.
func outboxPath(statePath string) string {
	return filepath.Join(filepath.Dir(statePath), "outbox.json")
}
