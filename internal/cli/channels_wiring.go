package cli

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

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

// startChannels builds the team-channel dispatcher (nil when none are set up) and runs it until
// ctx ends; done is closed when it has stopped.
func startChannels(ctx context.Context, cfg *monitor.Config, log *slog.Logger) (*channels.Dispatcher, <-chan struct{}) {
	done := make(chan struct{})
	if len(cfg.Channels) == 0 {
		close(done)
		return nil, done
	}
	d, err := channels.New(channelConfigs(cfg), log.With("component", "channels"))
	if err != nil {
		log.Error("team channels unavailable", "err", err)
		close(done)
		return nil, done
	}
	go func() { d.Run(ctx); close(done) }()
	return d, done
}

// fanOut forwards every update to the desktop and each notification to the team channels,
// without ever waiting on a channel.
func fanOut(ctx context.Context, in <-chan monitor.Update, out chan<- monitor.Update, d *channels.Dispatcher) {
	for {
		select {
		case <-ctx.Done():
			return
		case u := <-in:
			if d != nil {
				for _, n := range u.Notifications {
					d.Send(n)
				}
			}
			select {
			case out <- u:
			case <-ctx.Done():
				return
			}
		}
	}
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
