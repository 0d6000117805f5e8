package cli

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/paywatch/paywatch/monitor"
	"github.com/paywatch/paywatch/monitor/channels"
)

// cmdNotify is `paywatch notify test [--config FILE]`: it sends a test message to every team
// channel in the settings and says how each took it. Exit 0 when every channel got it, 1 when
// one did not (or there are none), 64 for a mistake in the command or the settings.
func cmdNotify(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("paywatch notify test", stderr)
	cfgPath := fs.String("config", "", "settings file")
	timeout := fs.Duration("timeout", 30*time.Second, "give up after this long")
	// Flags may come before or after "test".
	if err := fs.Parse(args); err != nil {
		return 64
	}
	rest := fs.Args()
	if len(rest) == 0 || rest[0] != "test" {
		fmt.Fprintln(stderr, "paywatch notify: say test (paywatch notify test [--config FILE]) to send a test message to every team channel")
		return 64
	}
	if err := fs.Parse(rest[1:]); err != nil {
		return 64
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "paywatch notify test: unexpected %q\n", fs.Arg(0))
		return 64
	}
	if !positive(*timeout > 0, fs, "--timeout", "--timeout 30s", stderr) {
		return 64
	}

	cfg, err := loadConfigForStatus(*cfgPath)
	if err != nil {
		fmt.Fprintf(stderr, "paywatch: %s\n", strings.ReplaceAll(err.Error(), "\n", "; "))
		return 64
	}
	if len(cfg.Channels) == 0 {
		where := *cfgPath
		if where == "" {
			if p, err := monitor.ConfigPath(); err == nil {
				where = p
			} else {
				where = "your settings file"
			}
		}
		fmt.Fprintf(stderr, `No team channels are set up, so there is nothing to test.
Add a channels: list to %s, for example:

  channels:
    - name: Slack
      url: slack://hook:…@webhook
    - name: Ops e-mail
      url: smtp://user:password@mail.example.com:587/?from=paywatch@example.com&to=ops@example.com
`, where)
		return 1
	}
	d, err := channels.New(cfg.Channels, nil)
	if err != nil {
		fmt.Fprintf(stderr, "paywatch: %s\n", strings.ReplaceAll(err.Error(), "\n", "; "))
		return 64
	}

	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	code := 0
	for _, r := range d.Test(ctx) {
		label := r.Name
		if r.Name != r.URL {
			label = fmt.Sprintf("%s (%s)", r.Name, r.URL)
		}
		if r.OK {
			fmt.Fprintf(stdout, "✓ %s: delivered\n", label)
			continue
		}
		fmt.Fprintf(stdout, "✗ %s: %s\n", label, r.Error)
		code = 1
	}
	return code
}
