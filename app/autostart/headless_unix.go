//go:build !windows

package autostart

import (
	"os"
	"os/signal"
	"syscall"

	"github.com/kardianos/service"
)

// runService runs s, with p.wait as its RunWait. The signals are caught
// here, before run starts, so that none is missed.
func runService(s service.Service, p *program) error {
	signal.Notify(p.sig, syscall.SIGTERM, os.Interrupt)
	defer signal.Stop(p.sig)
	return s.Run()
}
