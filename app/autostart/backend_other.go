//go:build !linux && !darwin && !windows

package autostart

import (
	"fmt"
	"runtime"
)

func newBackends(Options) ([]backend, func() backend, error) {
	return nil, nil, fmt.Errorf("autostart: not supported on %s", runtime.GOOS)
}
