package cli

import (
	"context"
	"fmt"
	"log/slog"
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
func newChannels(cfg *monitor.Config, log *slog.Logger) *channels.Dispatcher {
	if len(cfg.Channels) == 0 {
		return nil
	}
	d, err := channels.New(channelConfigs(cfg), log.With("component", "channels"))
	if err != nil {
		log.Error("team channels unavailable", "err", err)
		return nil
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
