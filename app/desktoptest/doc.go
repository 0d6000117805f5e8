//go:build linux

// Package desktoptest runs real desktop programs (such as the Paywatch tray
// app) under a private, throw-away Linux desktop so that end-to-end tests can
// observe them the way a desktop shell would.
//
// Start launches an Xvfb X server on a free display (found with -displayfd)
// and a private D-Bus session bus (dbus-daemon with its own configuration, no
// service activation). The test process itself then plays the desktop on that
// bus:
//
//   - org.kde.StatusNotifierWatcher at /StatusNotifierWatcher, the tray host
//     registry used by fyne.io/systray (and every other StatusNotifierItem
//     client). Items registered there are available through WaitItem/Items.
//   - org.freedesktop.Notifications at /org/freedesktop/Notifications, the
//     desktop notification server used by github.com/gen2brain/beeep. Every
//     Notify call is recorded (Notifications, WaitNotifications).
//
// Both services can be left out (WithoutWatcher, WithoutNotificationServer)
// to test the "no tray host" and "no notification daemon" fallbacks; the
// watcher can be started later with StartWatcher.
//
// Programs under test are started with StartApp (or exec.Command plus Env);
// they get DISPLAY, DBUS_SESSION_BUS_ADDRESS and a temporary HOME and XDG
// directories. Everything that is started is killed in t.Cleanup; child
// processes also get SIGKILL as parent-death signal, so nothing survives a
// test binary that is killed by "go test -timeout".
//
// Typical use:
//
//	bin := desktoptest.Build(t, "github.com/paywatch/paywatch/cmd/paywatch")
//	d := desktoptest.Start(t)
//	p := d.StartApp(t, bin)
//	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
//	defer cancel()
//	item, err := d.WaitItem(ctx)
//	...
//	err = item.ClickMenu("Check now")
//	notes, err := d.WaitNotifications(ctx, 1)
//	...
//	err = item.ClickMenu("Quit")
//	err = p.Wait(ctx)
//
// Programs built with the race detector (Build(t, pkg, "-race")) can be started on a desktop
// made with WithRaceLog: their race reports go to files in the test's temporary directory, a
// race in the test module's own code fails the test, and third-party ones are counted in one
// log line (SplitRaces).
//
// Missing tools (Xvfb, dbus-daemon, go) make the test skip, unless the
// environment variable CI is set, in which case the test fails: end-to-end
// tests must not silently disappear in CI.
package desktoptest
