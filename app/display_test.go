//go:build linux

package app

import (
	"context"
	"errors"
	"net"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestXAddrs(t *testing.T) {
	x11Dir = "/tmp/.X11-unix"
	for _, tt := range []struct {
		display string
		network string
		addrs   []string
	}{
		{":0", "unix", []string{"/tmp/.X11-unix/X0", "@/tmp/.X11-unix/X0"}},
		{":12.1", "unix", []string{"/tmp/.X11-unix/X12", "@/tmp/.X11-unix/X12"}},
		{"unix:3", "unix", []string{"/tmp/.X11-unix/X3", "@/tmp/.X11-unix/X3"}},
		{"localhost:10.0", "tcp", []string{"localhost:6010"}},
		{"[::1]:2", "tcp", []string{"[::1]:6002"}},
		{"", "", nil},
		{"wayland-0", "", nil},
		{":x", "", nil},
		{":-1", "", nil},
	} {
		network, addrs, ok := xAddrs(tt.display)
		if network != tt.network || !slices.Equal(addrs, tt.addrs) || ok != (tt.network != "") {
			t.Errorf("xAddrs(%q) = %q, %q, %v; want %q, %q", tt.display, network, addrs, ok, tt.network, tt.addrs)
		}
	}
}

// listenX starts something listening where display :n would be, under a private socket folder.
func listenX(t *testing.T, n string) {
	t.Helper()
	l, err := net.Listen("unix", filepath.Join(x11Dir, "X"+n))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
}

func TestFindDisplay(t *testing.T) {
	x11Dir = t.TempDir()
	t.Cleanup(func() { x11Dir = "/tmp/.X11-unix" })
	listenX(t, "5")
	for _, tt := range []struct {
		display string
		ready   bool
		problem string
	}{
		{":5", true, ""},
		{":5.0", true, ""},
		{":6", false, "nothing answers on display :6"},
		{"", false, "DISPLAY is not set"},
	} {
		d := FindDisplay(func(k string) string { return map[string]string{"DISPLAY": tt.display}[k] })
		if d.Ready != tt.ready || d.Problem() != tt.problem {
			t.Errorf("DISPLAY=%q: ready %v, problem %q; want %v, %q", tt.display, d.Ready, d.Problem(), tt.ready, tt.problem)
		}
	}
}

func TestWaitForDisplay(t *testing.T) {
	x11Dir = t.TempDir()
	t.Cleanup(func() { x11Dir = "/tmp/.X11-unix" })
	listenX(t, "7")
	none := func(string) string { return "" }

	t.Run("no display, no wait", func(t *testing.T) {
		_, err := WaitForDisplay(context.Background(), 0, none, nil)
		if !errors.Is(err, ErrNoDisplay) || !strings.Contains(err.Error(), "DISPLAY is not set") {
			t.Fatalf("WaitForDisplay = %v, want ErrNoDisplay saying DISPLAY is not set", err)
		}
	})
	t.Run("a display that does not answer", func(t *testing.T) {
		gone := func(k string) string { return map[string]string{"DISPLAY": ":8"}[k] }
		_, err := WaitForDisplay(context.Background(), time.Second, gone, nil)
		if !errors.Is(err, ErrNoDisplay) || !strings.Contains(err.Error(), "nothing answers on display :8") {
			t.Fatalf("WaitForDisplay = %v, want ErrNoDisplay naming :8", err)
		}
	})
	t.Run("the session publishes its display while we wait", func(t *testing.T) {
		calls := 0
		session := func(context.Context) map[string]string {
			calls++
			if calls < 3 {
				return map[string]string{"PATH": "/usr/bin"}
			}
			return map[string]string{"DISPLAY": ":7", "XAUTHORITY": "/run/user/1000/xauth"}
		}
		set, err := WaitForDisplay(context.Background(), 10*time.Second, none, session)
		if err != nil {
			t.Fatal(err)
		}
		if set["DISPLAY"] != ":7" || set["XAUTHORITY"] != "/run/user/1000/xauth" || calls != 3 {
			t.Errorf("set %v after %d looks, want DISPLAY :7 and XAUTHORITY after 3", set, calls)
		}
	})
	t.Run("started by hand: only this process's DISPLAY counts", func(t *testing.T) {
		session := func(context.Context) map[string]string { return map[string]string{"DISPLAY": ":7"} }
		set, err := WaitForDisplay(context.Background(), 0, none, session)
		if !errors.Is(err, ErrNoDisplay) || set != nil {
			t.Fatalf("WaitForDisplay = %v, %v; want ErrNoDisplay and nothing to set", set, err)
		}
	})
	t.Run("a published display that does not answer is not taken", func(t *testing.T) {
		session := func(context.Context) map[string]string { return map[string]string{"DISPLAY": ":9"} }
		set, err := WaitForDisplay(context.Background(), time.Second, none, session)
		if !errors.Is(err, ErrNoDisplay) || set != nil {
			t.Fatalf("WaitForDisplay = %v, %v; want ErrNoDisplay and nothing to set", set, err)
		}
	})
}
