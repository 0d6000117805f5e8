package autostart

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync/atomic"
	"time"

	"github.com/kardianos/service"
)

// stopTimeout is how long RunHeadless waits for run to return once asked
// to stop; systemd and Windows give a service 90 s and 20 s.
const stopTimeout = 15 * time.Second

// RunHeadless runs run under the service manager's control, for `paywatch
// run --headless` and the installed headless service: run gets a context
// that is cancelled on SIGTERM or Ctrl+C, or when the service manager
// stops the service (Windows), and RunHeadless returns once run has.
//
// It returns nil after a clean stop, and an error when run failed or did
// not stop within 15 s; main should exit 1 on an error, so systemd
// (Restart=on-failure), launchd (KeepAlive SuccessfulExit false) and the
// Windows service manager (recovery actions) restart it, and stay put
// after a clean stop. When run ends by itself the service stops too.
//
// Start, stop and failure are logged to logger and, when running under
// the service manager, to its log (journal or syslog, Windows event log)
// where one can be opened. o.Name must match the installed service's.
func RunHeadless(o Options, run func(ctx context.Context) error, logger *slog.Logger) error {
	return runHeadless(o, run, logger, stopTimeout)
}

func runHeadless(o Options, run func(ctx context.Context) error, logger *slog.Logger, timeout time.Duration) error {
	o = o.withDefaults()
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	p := &program{
		run:     run,
		log:     logger,
		timeout: timeout,
		done:    make(chan struct{}),
		sig:     make(chan os.Signal, 1),
	}
	cfg := &service.Config{
		Name:        o.Name,
		DisplayName: o.DisplayName,
		Description: o.Description,
		Option:      service.KeyValue{"RunWait": p.wait},
	}
	s, err := service.New(p, cfg)
	if err != nil {
		return fmt.Errorf("autostart: headless: %w", err)
	}
	if !service.Interactive() {
		// The journal, syslog or event log; a machine without one (no
		// /dev/log) still runs, with the log file only.
		if sl, err := s.SystemLogger(nil); err == nil {
			p.sys = sl
		} else {
			logger.Warn("service manager log unavailable", "err", err)
		}
	}
	return runService(s, p)
}

// program is the service.Interface that runs run in a goroutine.
type program struct {
	run     func(ctx context.Context) error
	log     *slog.Logger
	sys     service.Logger // nil when interactive or unavailable
	timeout time.Duration

	cancel   context.CancelFunc
	done     chan struct{} // closed when run has returned
	err      error         // run's result, read after done
	sig      chan os.Signal
	stopping atomic.Bool // Stop was called: run ending is expected
}

// Start launches run; kardianos wants Start to return at once.
func (p *program) Start(service.Service) error {
	ctx, cancel := context.WithCancel(context.Background())
	p.cancel = cancel
	go func() {
		defer close(p.done)
		p.err = p.run(ctx)
	}()
	p.log.Info("headless mode started")
	if p.sys != nil {
		_ = p.sys.Info("Paywatch started")
	}
	return nil
}

// Stop cancels run and waits for it to return.
func (p *program) Stop(service.Service) error {
	p.stopping.Store(true)
	p.cancel()
	timer := time.NewTimer(p.timeout)
	defer timer.Stop()
	select {
	case <-p.done:
	case <-timer.C:
		err := fmt.Errorf("autostart: headless: still running %s after being asked to stop", p.timeout)
		p.failed(err)
		return err
	}
	if p.err != nil && !errors.Is(p.err, context.Canceled) {
		err := fmt.Errorf("autostart: headless: %w", p.err)
		p.failed(err)
		return err
	}
	p.log.Info("headless mode stopped")
	if p.sys != nil {
		_ = p.sys.Info("Paywatch stopped")
	}
	return nil
}

func (p *program) failed(err error) {
	p.log.Error("headless mode failed", "err", err)
	if p.sys != nil {
		_ = p.sys.Error(err.Error())
	}
}

// wait is kardianos' RunWait on Linux and macOS: it returns on SIGTERM or
// SIGINT, or when run has ended by itself, and kardianos then calls Stop.
func (p *program) wait() {
	select {
	case <-p.sig:
	case <-p.done:
	}
}
