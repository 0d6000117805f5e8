package autostart

import (
	"fmt"
	"os"
	"os/user"
	"path/filepath"

	"github.com/kardianos/service"
)

func newBackends(o Options) ([]backend, func() backend, error) {
	content := RenderLaunchAgent(o)
	svc, err := newService(&service.Config{
		Name:        o.Label, // the plist's file name and launchctl label
		DisplayName: o.DisplayName,
		Description: o.Description,
		Executable:  o.Executable,
		Arguments:   o.Args,
		Option:      service.KeyValue{"UserService": !o.Headless, "LaunchdConfig": content},
	})
	if err != nil {
		return nil, nil, err
	}
	var b *serviceBackend
	if o.Headless {
		b = &serviceBackend{
			svc:       svc,
			name:      MethodLaunchDaemon,
			path:      filepath.Join("/Library/LaunchDaemons", o.Label+".plist"),
			content:   content,
			stopFirst: true,
		}
	} else {
		home, err := darwinHome()
		if err != nil {
			return nil, nil, err
		}
		b = &serviceBackend{
			svc:        svc,
			name:       MethodLaunchAgent,
			path:       filepath.Join(home, "Library", "LaunchAgents", o.Label+".plist"),
			content:    content,
			removeOnly: true,
		}
	}
	return []backend{b}, func() backend { return b }, nil
}

// darwinHome finds the home folder the way kardianos does, so both agree
// on where the LaunchAgent is.
func darwinHome() (string, error) {
	if u, err := user.Current(); err == nil {
		return u.HomeDir, nil
	}
	if home := os.Getenv("HOME"); home != "" {
		return home, nil
	}
	return "", fmt.Errorf("autostart: home folder not found")
}
