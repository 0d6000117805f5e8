//go:build linux

package desktoptest

import (
	"context"
	"errors"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
)

const (
	trayAppPkg     = "./testdata/trayapp"
	trayAppName    = "Desktoptest Tray" // beeep.AppName in testdata/trayapp
	trayAppID      = "io.paywatch.desktoptest.trayapp"
	e2eTimeout     = 60 * time.Second
	observePeriod  = 2 * time.Second // how long "nothing happens" is watched
	wantMenuBefore = "Status: green"
	wantMenuAfter  = "Status: red"
)

func TestMain(m *testing.M) {
	code := m.Run()
	CleanupBuilds()
	os.Exit(code)
}

func timeout(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), d)
	t.Cleanup(cancel)
	return ctx
}

// ---------------------------------------------------------------------------
// Pure helpers.

func TestPixmapImageAndDominantColor(t *testing.T) {
	// 4x2 ARGB: 5 red pixels, 2 green, 1 transparent blue.
	px := func(a, r, g, b byte) []byte { return []byte{a, r, g, b} }
	var data []byte
	for range 5 {
		data = append(data, px(255, 220, 0, 0)...)
	}
	data = append(data, px(255, 0, 200, 0)...)
	data = append(data, px(255, 0, 200, 0)...)
	data = append(data, px(0, 0, 0, 255)...)
	img := Pixmap{Width: 4, Height: 2, ARGB: data}.Image()
	if got := img.NRGBAAt(0, 0); got != (color.NRGBA{R: 220, A: 255}) {
		t.Errorf("pixel (0,0) = %v, want red", got)
	}
	if got := img.NRGBAAt(3, 1); got != (color.NRGBA{B: 255}) {
		t.Errorf("pixel (3,1) = %v, want transparent blue", got)
	}
	if got := DominantColor(img); got != (color.RGBA{R: 220, A: 255}) {
		t.Errorf("DominantColor = %v, want {220 0 0 255}", got)
	}
	if got := DominantColor(image.NewNRGBA(image.Rect(0, 0, 3, 3))); got != (color.RGBA{}) {
		t.Errorf("DominantColor(transparent) = %v, want zero", got)
	}
	// Short data must not panic.
	_ = Pixmap{Width: 10, Height: 10, ARGB: data}.Image()
}

func TestColorName(t *testing.T) {
	for _, tc := range []struct {
		c    color.RGBA
		want string
	}{
		{color.RGBA{R: 220, A: 255}, "red"},
		{color.RGBA{G: 200, A: 255}, "green"},
		{color.RGBA{R: 0x2e, G: 0xcc, B: 0x71, A: 255}, "green"},
		{color.RGBA{R: 0xff, G: 0xbf, A: 255}, "orange"},
		{color.RGBA{R: 0xf3, G: 0x9c, B: 0x12, A: 255}, "orange"},
		{color.RGBA{R: 0xe7, G: 0x4c, B: 0x3c, A: 255}, "red"},
		{color.RGBA{R: 0xff, G: 0xe0, A: 255}, "yellow"},
		{color.RGBA{B: 200, A: 255}, "blue"},
		{color.RGBA{R: 128, G: 128, B: 128, A: 255}, "grey"},
		{color.RGBA{R: 250, G: 250, B: 250, A: 255}, "white"},
		{color.RGBA{R: 10, G: 10, B: 10, A: 255}, "black"},
		{color.RGBA{}, "transparent"},
	} {
		if got := ColorName(tc.c); got != tc.want {
			t.Errorf("ColorName(%v) = %q, want %q", tc.c, got, tc.want)
		}
	}
}

func TestStripMnemonic(t *testing.T) {
	for in, want := range map[string]string{"_Quit": "Quit", "Check _now": "Check now", "a__b": "a_b", "plain": "plain"} {
		if got := stripMnemonic(in); got != want {
			t.Errorf("stripMnemonic(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestWaitForStop(t *testing.T) {
	sentinel := errors.New("boom")
	calls := 0
	err := WaitFor(timeout(t, 5*time.Second), func() (bool, error) {
		calls++
		if calls == 3 {
			return false, Stop(sentinel)
		}
		return false, errors.New("not yet")
	})
	if !errors.Is(err, sentinel) || calls != 3 {
		t.Fatalf("WaitFor = %v after %d calls, want sentinel after 3", err, calls)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	if err := WaitFor(ctx, func() (bool, error) { return false, nil }); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("WaitFor = %v, want deadline exceeded", err)
	}
}

// ---------------------------------------------------------------------------
// Desktop services, driven by a second bus connection (no Fyne needed).

func clientConn(t *testing.T, d *Desktop) *dbus.Conn {
	t.Helper()
	c, err := dbus.Connect(d.BusAddress())
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func TestEnv(t *testing.T) {
	t.Setenv("WAYLAND_DISPLAY", "wayland-0")
	t.Setenv("XDG_CURRENT_DESKTOP", "GNOME")
	d := Start(t, WithEnv("PAYWATCH_TEST=1"))
	env := map[string]string{}
	for _, kv := range d.Env() {
		k, v, _ := strings.Cut(kv, "=")
		if _, dup := env[k]; dup {
			t.Errorf("Env has %s twice", k)
		}
		env[k] = v
	}
	for k, want := range map[string]string{
		"DISPLAY":                  d.Display(),
		"DBUS_SESSION_BUS_ADDRESS": d.BusAddress(),
		"HOME":                     d.Home(),
		"XDG_RUNTIME_DIR":          d.RuntimeDir(),
		"XDG_CONFIG_HOME":          filepath.Join(d.Home(), ".config"),
		"XDG_CACHE_HOME":           filepath.Join(d.Home(), ".cache"),
		"XDG_STATE_HOME":           filepath.Join(d.Home(), ".local/state"),
		"LANG":                     "en_US.UTF-8",
		"PAYWATCH_TEST":            "1",
	} {
		if env[k] != want {
			t.Errorf("Env %s = %q, want %q", k, env[k], want)
		}
	}
	for _, k := range []string{"WAYLAND_DISPLAY", "XDG_CURRENT_DESKTOP"} {
		if _, ok := env[k]; ok {
			t.Errorf("Env leaks %s from the test environment", k)
		}
	}
	if env["PATH"] == "" {
		t.Error("Env lost PATH")
	}
	fi, err := os.Stat(d.RuntimeDir())
	if err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("XDG_RUNTIME_DIR mode = %v, %v; want 0700", fi.Mode(), err)
	}
	for _, dir := range []string{env["XDG_CONFIG_HOME"], env["XDG_CACHE_HOME"], env["XDG_STATE_HOME"]} {
		if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
			t.Errorf("%s: %v", dir, err)
		}
	}
}

func TestNotificationServer(t *testing.T) {
	d := Start(t)
	c := clientConn(t, d)
	obj := c.Object(NotificationsName, NotificationsPath)

	var caps []string
	if err := obj.Call(NotificationsInterface+".GetCapabilities", 0).Store(&caps); err != nil || !slices.Equal(caps, []string{"body"}) {
		t.Fatalf("GetCapabilities = %q, %v", caps, err)
	}
	var name, vendor, version, spec string
	if err := obj.Call(NotificationsInterface+".GetServerInformation", 0).Store(&name, &vendor, &version, &spec); err != nil || spec == "" {
		t.Fatalf("GetServerInformation = %q %q %q %q, %v", name, vendor, version, spec, err)
	}
	hints := map[string]dbus.Variant{"urgency": dbus.MakeVariant(byte(1))}
	var id uint32
	err := obj.Call(NotificationsInterface+".Notify", 0, "My App", uint32(0), "/icon.png", "Summary", "Body text",
		[]string{"default", "Open"}, hints, int32(5000)).Store(&id)
	if err != nil || id == 0 {
		t.Fatalf("Notify = %d, %v", id, err)
	}
	var id2 uint32
	if err := obj.Call(NotificationsInterface+".Notify", 0, "My App", id, "", "Replaced", "", []string{}, map[string]dbus.Variant{}, int32(-1)).Store(&id2); err != nil || id2 != id {
		t.Fatalf("Notify(replaces %d) = %d, %v", id, id2, err)
	}
	if err := obj.Call(NotificationsInterface+".CloseNotification", 0, id).Err; err != nil {
		t.Fatalf("CloseNotification: %v", err)
	}
	got, err := d.WaitNotifications(timeout(t, 5*time.Second), 2)
	if err != nil {
		t.Fatal(err)
	}
	n := got[0]
	if n.AppName != "My App" || n.Summary != "Summary" || n.Body != "Body text" || n.Icon != "/icon.png" ||
		!slices.Equal(n.Hints, []string{"urgency"}) || n.ExpireTimeout != 5000 || n.At.IsZero() || n.Sender != c.Names()[0] {
		t.Errorf("notification = %+v", n)
	}
	if got[1].Summary != "Replaced" || got[1].ID != id {
		t.Errorf("second notification = %+v", got[1])
	}
	// Notifications returns a copy.
	got[0].Hints[0] = "changed"
	if d.Notifications()[0].Hints[0] != "urgency" {
		t.Error("Notifications shares memory with the recorder")
	}
	var xml string
	if err := obj.Call("org.freedesktop.DBus.Introspectable.Introspect", 0).Store(&xml); err != nil || !strings.Contains(xml, "Notify") {
		t.Errorf("Introspect = %v, %q", err, xml)
	}
}

func TestWithoutServices(t *testing.T) {
	d := Start(t, WithoutWatcher(), WithoutNotificationServer())
	for _, name := range []string{WatcherName, NotificationsName} {
		if has, err := d.NameHasOwner(name); err != nil || has {
			t.Errorf("NameHasOwner(%s) = %v, %v; want false", name, has, err)
		}
	}
	c := clientConn(t, d)
	err := c.Object(NotificationsName, NotificationsPath).Call(NotificationsInterface+".Notify", 0,
		"x", uint32(0), "", "s", "b", []string{}, map[string]dbus.Variant{}, int32(-1)).Err
	var derr dbus.Error
	if !errors.As(err, &derr) || derr.Name != "org.freedesktop.DBus.Error.ServiceUnknown" {
		t.Errorf("Notify without server = %v, want ServiceUnknown (no bus activation)", err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	if _, err := d.WaitItem(ctx); !errors.Is(err, ErrNoWatcher) {
		t.Errorf("WaitItem without watcher = %v, want ErrNoWatcher", err)
	}
	if _, err := d.WaitNotifications(ctx, 1); err == nil {
		t.Error("WaitNotifications without server succeeded")
	}
}

// fakeItem exports a minimal StatusNotifierItem with a dbusmenu on c.
type fakeMenu struct{ clicked chan int32 }

type fakeLayout = struct {
	V0 int32
	V1 map[string]dbus.Variant
	V2 []dbus.Variant
}

func (m *fakeMenu) GetLayout(parent, depth int32, props []string) (uint32, fakeLayout, *dbus.Error) {
	node := func(id int32, p map[string]dbus.Variant, children ...fakeLayout) fakeLayout {
		l := fakeLayout{V0: id, V1: p, V2: []dbus.Variant{}}
		for _, c := range children {
			l.V2 = append(l.V2, dbus.MakeVariant(c))
		}
		return l
	}
	v := dbus.MakeVariant
	root := node(0, map[string]dbus.Variant{"children-display": v("submenu")},
		node(1, map[string]dbus.Variant{"label": v("_Check now")}),
		node(2, map[string]dbus.Variant{"label": v("Disabled"), "enabled": v(false)}),
		node(3, map[string]dbus.Variant{"label": v("Hidden"), "visible": v(false)}),
		node(4, map[string]dbus.Variant{"label": v("Sub"), "children-display": v("submenu")},
			node(5, map[string]dbus.Variant{"label": v("Child"), "toggle-type": v("checkmark"), "toggle-state": v(int32(1))})),
		node(6, map[string]dbus.Variant{"type": v("separator")}),
		node(7, map[string]dbus.Variant{"label": v("Quit")}),
	)
	return 1, root, nil
}

func (m *fakeMenu) Event(id int32, event string, data dbus.Variant, ts uint32) *dbus.Error {
	if event == "clicked" {
		m.clicked <- id
	}
	return nil
}

func exportFakeItem(t *testing.T, c *dbus.Conn, path dbus.ObjectPath, menuPath dbus.ObjectPath) *fakeMenu {
	t.Helper()
	argb := []byte{}
	for range 16 {
		argb = append(argb, 255, 0, 0, 200)
	}
	type px = struct {
		W, H int32
		D    []byte
	}
	props := map[string]dbus.Variant{
		"Title":      dbus.MakeVariant("Fake"),
		"Status":     dbus.MakeVariant("Active"),
		"IconPixmap": dbus.MakeVariant([]px{{0, 0, nil}, {4, 4, argb}}),
		"ToolTip": dbus.MakeVariant(struct {
			A string
			B []px
			C string
			D string
		}{"", []px{}, "tip title", "tip body"}),
		"Menu": dbus.MakeVariant(menuPath),
	}
	get := func(iface, name string) (dbus.Variant, *dbus.Error) {
		if v, ok := props[name]; ok && iface == ItemInterface {
			return v, nil
		}
		return dbus.Variant{}, dbus.MakeFailedError(errors.New("no such property"))
	}
	if err := c.ExportMethodTable(map[string]any{"Get": get}, path, "org.freedesktop.DBus.Properties"); err != nil {
		t.Fatal(err)
	}
	m := &fakeMenu{clicked: make(chan int32, 4)}
	if err := c.Export(m, menuPath, DBusMenuInterface); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestWatcherAndItemHelpers(t *testing.T) {
	d := Start(t)
	ctx := timeout(t, 10*time.Second)
	c := clientConn(t, d)
	menu := exportFakeItem(t, c, "/StatusNotifierItem", "/MenuBar")

	// Register by object path, as fyne.io/systray does.
	w := c.Object(WatcherName, WatcherPath)
	if err := w.Call(WatcherInterface+".RegisterStatusNotifierItem", 0, "/StatusNotifierItem").Err; err != nil {
		t.Fatal(err)
	}
	item, err := d.WaitItem(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if item.BusName != c.Names()[0] || item.Path != "/StatusNotifierItem" || item.ID != c.Names()[0]+"/StatusNotifierItem" {
		t.Errorf("item = %+v", item)
	}
	var ids []string
	if err := w.Call("org.freedesktop.DBus.Properties.Get", 0, WatcherInterface, "RegisteredStatusNotifierItems").Store(&ids); err != nil ||
		!slices.Equal(ids, []string{item.ID}) {
		t.Errorf("RegisteredStatusNotifierItems = %q, %v", ids, err)
	}
	var hostOK bool
	if err := w.Call("org.freedesktop.DBus.Properties.Get", 0, WatcherInterface, "IsStatusNotifierHostRegistered").Store(&hostOK); err != nil || !hostOK {
		t.Errorf("IsStatusNotifierHostRegistered = %v, %v", hostOK, err)
	}
	var xml string
	if err := w.Call("org.freedesktop.DBus.Introspectable.Introspect", 0).Store(&xml); err != nil || !strings.Contains(xml, "RegisterStatusNotifierItem") || !strings.Contains(xml, "org.freedesktop.DBus.Properties") {
		t.Errorf("Introspect = %v, %q", err, xml)
	}

	// Register by bus name: item at /StatusNotifierItem on that name; a
	// second registration of the same item is ignored.
	if _, err := c.RequestName("org.kde.StatusNotifierItem-1-1", dbus.NameFlagDoNotQueue); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := w.Call(WatcherInterface+".RegisterStatusNotifierItem", 0, "org.kde.StatusNotifierItem-1-1").Err; err != nil {
			t.Fatal(err)
		}
	}
	items := d.Items()
	if len(items) != 2 || items[1].BusName != "org.kde.StatusNotifierItem-1-1" || items[1].Path != DefaultItemPath {
		t.Errorf("Items = %v", items)
	}
	if err := w.Call(WatcherInterface+".RegisterStatusNotifierItem", 0, "org.example.Missing").Err; err == nil {
		t.Error("registering a name nobody owns succeeded")
	}

	if title, err := item.Title(); err != nil || title != "Fake" {
		t.Errorf("Title = %q, %v", title, err)
	}
	if tt, desc, err := item.ToolTip(); err != nil || tt != "tip title" || desc != "tip body" {
		t.Errorf("ToolTip = %q %q %v", tt, desc, err)
	}
	pms, err := item.IconPixmap()
	if err != nil || len(pms) != 2 || pms[1].Width != 4 {
		t.Fatalf("IconPixmap = %v, %v", pms, err)
	}
	if c, err := item.IconColor(); err != nil || c != (color.RGBA{B: 200, A: 255}) || ColorName(c) != "blue" {
		t.Errorf("IconColor = %v, %v", c, err)
	}
	root, err := item.MenuLayout()
	if err != nil {
		t.Fatal(err)
	}
	if labels := root.Labels(); !slices.Equal(labels, []string{"_Check now", "Disabled", "Sub", "Child", "Quit"}) {
		t.Errorf("Labels = %q", labels)
	}
	child, ok := root.Find("Child")
	if !ok || child.ToggleType != "checkmark" || child.ToggleState != 1 || !child.Enabled {
		t.Errorf("Find(Child) = %+v, %v", child, ok)
	}
	if len(root.Children) != 6 || !root.Children[4].IsSeparator() || root.Children[2].Visible || root.Children[3].ChildrenDisplay != "submenu" {
		t.Errorf("tree = %+v", root)
	}
	for label, id := range map[string]int32{"Check now": 1, "Child": 5} {
		if err := item.ClickMenu(label); err != nil {
			t.Fatal(err)
		}
		if got := <-menu.clicked; got != id {
			t.Errorf("ClickMenu(%q) clicked id %d, want %d", label, got, id)
		}
	}
	if err := item.ClickMenu("Disabled"); err == nil {
		t.Error("ClickMenu(Disabled) succeeded")
	}
	if err := item.ClickMenu("Hidden"); err == nil {
		t.Error("ClickMenu(Hidden) succeeded")
	}

	// WaitItemForPID finds the item by the owner's PID.
	byPID, err := d.WaitItemForPID(ctx, os.Getpid())
	if err != nil || byPID.BusName != item.BusName {
		t.Errorf("WaitItemForPID = %v, %v", byPID, err)
	}

	// When the client leaves the bus its items are unregistered.
	c.Close()
	if err := WaitFor(ctx, func() (bool, error) { return len(d.Items()) == 0, nil }); err != nil {
		t.Errorf("items after disconnect: %v: %v", d.Items(), err)
	}
}

// TestCleanupKillsDaemons checks that nothing survives a Desktop.
func TestCleanupKillsDaemons(t *testing.T) {
	var pids []int
	t.Run("desktop", func(t *testing.T) {
		d := Start(t)
		pids = []int{d.xvfb.cmd.Process.Pid, d.bus.cmd.Process.Pid}
		for _, p := range pids {
			if err := syscall.Kill(p, 0); err != nil {
				t.Fatalf("pid %d not running: %v", p, err)
			}
		}
		if _, err := os.Stat(d.RuntimeDir()); err != nil {
			t.Fatal(err)
		}
	})
	for _, p := range pids {
		if err := syscall.Kill(p, 0); !errors.Is(err, syscall.ESRCH) {
			t.Errorf("pid %d still exists after cleanup (kill 0: %v)", p, err)
		}
	}
}

// ---------------------------------------------------------------------------
// End to end with a real Fyne tray program.

func trayApp(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs a Fyne program; skipped with -short")
	}
	// With the race detector, like the Paywatch binary of the end-to-end tests: the Fyne
	// and GLFW packages are then compiled once, for both.
	return Build(t, trayAppPkg, "-race")
}

func TestTrayAppEndToEnd(t *testing.T) {
	t.Parallel()
	bin := trayApp(t)
	d := Start(t, WithRaceLog(t))
	ctx := timeout(t, e2eTimeout)
	p := d.StartApp(t, bin)

	item, err := d.WaitItem(ctx)
	if err != nil {
		t.Fatalf("%v\noutput:\n%s", err, p.Output())
	}
	if !item.Registered() {
		t.Error("item not registered")
	}
	if title, err := item.Title(); err != nil || title != trayAppID {
		t.Errorf("Title = %q, %v; want the app ID (no FyneApp.toml metadata)", title, err)
	}
	// Fyne sets the menu after the item is exported; wait for it.
	var labels []string
	err = WaitFor(ctx, func() (bool, error) {
		labels, err = item.MenuLabels()
		return slices.Contains(labels, "Quit"), err
	})
	if err != nil {
		t.Fatalf("menu: %v (labels %q)", err, labels)
	}
	if want := []string{wantMenuBefore, "Switch", "More", "Nested item", "Quit"}; !slices.Equal(labels, want) {
		t.Errorf("MenuLabels = %q, want %q", labels, want)
	}
	root, err := item.MenuLayout()
	if err != nil {
		t.Fatal(err)
	}
	if st, _ := root.Find(wantMenuBefore); st.Enabled {
		t.Errorf("%q should be disabled: %+v", wantMenuBefore, st)
	}
	if more, _ := root.Find("More"); more.ChildrenDisplay != "submenu" || len(more.Children) != 1 {
		t.Errorf("More = %+v", more)
	}

	pms, err := item.IconPixmap()
	if err != nil || len(pms) == 0 || pms[0].Width != 32 || pms[0].Height != 32 {
		t.Fatalf("IconPixmap = %d entries, %v", len(pms), err)
	}
	if c := DominantColor(pms[0].Image()); c != (color.RGBA{G: 200, A: 255}) {
		t.Errorf("icon colour = %v, want green {0 200 0 255}", c)
	}
	err = WaitFor(ctx, func() (bool, error) {
		tt, _, err := item.ToolTip()
		return tt == "trayapp: green", err
	})
	if err != nil {
		t.Errorf("tooltip: %v", err)
	}
	if n := d.Notifications(); len(n) != 0 {
		t.Errorf("notifications before Switch: %+v", n)
	}

	if err := item.ClickMenu("Switch"); err != nil {
		t.Fatal(err)
	}
	err = WaitFor(ctx, func() (bool, error) {
		c, err := item.IconColor()
		return ColorName(c) == "red", err
	})
	if err != nil {
		t.Errorf("icon did not turn red: %v", err)
	}
	err = WaitFor(ctx, func() (bool, error) {
		labels, err = item.MenuLabels()
		return slices.Contains(labels, wantMenuAfter), err
	})
	if err != nil {
		t.Errorf("menu label did not change: %v (labels %q)", err, labels)
	}
	err = WaitFor(ctx, func() (bool, error) {
		tt, _, err := item.ToolTip()
		return tt == "trayapp: red", err
	})
	if err != nil {
		t.Errorf("tooltip: %v", err)
	}
	notes, err := d.WaitNotifications(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if n := notes[0]; n.AppName != trayAppName || n.Summary != "Switched to red" || n.Body != "The tray icon is now red" {
		t.Errorf("notification = %+v", n)
	}

	shot := filepath.Join(t.TempDir(), "screen.png")
	if err := d.Screenshot(shot); err != nil {
		t.Error(err)
	} else if w, h := pngSize(t, shot); w != 1024 || h != 768 {
		t.Errorf("screenshot is %dx%d, want 1024x768", w, h)
	}

	if err := item.ClickMenu("Quit"); err != nil {
		t.Fatal(err)
	}
	if err := p.Wait(ctx); err != nil {
		t.Fatalf("app exit: %v\noutput:\n%s", err, p.Output())
	}
	if err := WaitFor(ctx, func() (bool, error) { return len(d.Items()) == 0, nil }); err != nil {
		t.Errorf("item still registered after exit: %v", err)
	}
	// The process is gone, so the count is final: exactly one notification.
	if n := d.Notifications(); len(n) != 1 {
		t.Errorf("got %d notifications, want exactly 1: %+v", len(n), n)
	}
}

func pngSize(t *testing.T, path string) (int, int) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cfg, err := png.DecodeConfig(f)
	if err != nil {
		t.Fatal(err)
	}
	return cfg.Width, cfg.Height
}

func TestTrayAppWithoutWatcher(t *testing.T) {
	t.Parallel()
	bin := trayApp(t)
	d := Start(t, WithoutWatcher(), WithRaceLog(t))
	ctx := timeout(t, e2eTimeout)
	p := d.StartApp(t, bin)

	// The app exports its item (and tries to register) even with no host.
	item, err := d.WaitItemForPID(ctx, p.PID())
	if err != nil {
		t.Fatalf("%v\noutput:\n%s", err, p.Output())
	}
	if item.Registered() {
		t.Error("item registered without a watcher")
	}
	// Watch for a while: no item may register and the app must keep running.
	obs, cancel := context.WithTimeout(ctx, observePeriod)
	defer cancel()
	if it, err := d.WaitItem(obs); err == nil {
		t.Errorf("item %v registered without a watcher", it)
	}
	if p.Exited() {
		t.Fatalf("app exited without a tray host: %v\noutput:\n%s", p.Wait(ctx), p.Output())
	}
	if labels, err := item.MenuLabels(); err != nil || !slices.Contains(labels, "Quit") {
		t.Errorf("menu without host = %q, %v", labels, err)
	}

	// A tray host appearing later gets the item (systray watches
	// NameOwnerChanged of org.kde.StatusNotifierWatcher).
	if err := d.StartWatcher(); err != nil {
		t.Fatal(err)
	}
	late, err := d.WaitItem(ctx)
	if err != nil {
		t.Fatalf("no registration after the watcher appeared: %v\noutput:\n%s", err, p.Output())
	}
	if c, err := late.IconColor(); err != nil || ColorName(c) != "green" {
		t.Errorf("IconColor = %v, %v", c, err)
	}

	// SIGTERM is a clean quit for Fyne.
	if err := p.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := p.Wait(ctx); err != nil {
		t.Fatalf("exit after SIGTERM: %v\noutput:\n%s", err, p.Output())
	}
}
