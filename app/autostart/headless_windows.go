package autostart

import (
	"os"
	"os/signal"

	"github.com/kardianos/service"
)

// runService runs s. Under the service manager, kardianos answers its stop
// request by calling Stop; when run ends by itself we ask the service
// manager to stop us, so Stop reports run's error as the service's exit
// code (and the recovery actions restart it). In a console kardianos only
// waits for Ctrl+C and cannot end early, so the wait is done here.
func runService(s service.Service, p *program) error {
	if service.Interactive() {
		signal.Notify(p.sig, os.Interrupt)
		defer signal.Stop(p.sig)
		if err := p.Start(s); err != nil {
			return err
		}
		p.wait()
		return p.Stop(s)
	}
	go func() {
		<-p.done
		if p.stopping.Load() {
			return
		}
		if err := s.Stop(); err != nil {
			p.failed(err)
			os.Exit(1) // the service manager sees a crash and restarts it
		}
	}()
	return s.Run()
}
