//go:build linux

package desktoptest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/godbus/dbus/v5"
	"github.com/godbus/dbus/v5/introspect"
	"github.com/godbus/dbus/v5/prop"
)

// D-Bus names of the StatusNotifierWatcher.
const (
	WatcherName      = "org.kde.StatusNotifierWatcher"
	WatcherPath      = dbus.ObjectPath("/StatusNotifierWatcher")
	WatcherInterface = "org.kde.StatusNotifierWatcher"

	// DefaultItemPath is the object path used when an item registers by bus
	// name only (StatusNotifierItem spec).
	DefaultItemPath = dbus.ObjectPath("/StatusNotifierItem")
)

var watcherIntrospection = introspect.Interface{
	Name: WatcherInterface,
	Methods: []introspect.Method{
		{Name: "RegisterStatusNotifierItem", Args: []introspect.Arg{{Name: "service", Type: "s", Direction: "in"}}},
		{Name: "RegisterStatusNotifierHost", Args: []introspect.Arg{{Name: "service", Type: "s", Direction: "in"}}},
	},
	Signals: []introspect.Signal{
		{Name: "StatusNotifierItemRegistered", Args: []introspect.Arg{{Type: "s"}}},
		{Name: "StatusNotifierItemUnregistered", Args: []introspect.Arg{{Type: "s"}}},
		{Name: "StatusNotifierHostRegistered"},
		{Name: "StatusNotifierHostUnregistered"},
	},
	Properties: []introspect.Property{
		{Name: "RegisteredStatusNotifierItems", Type: "as", Access: "read"},
		{Name: "IsStatusNotifierHostRegistered", Type: "b", Access: "read"},
		{Name: "ProtocolVersion", Type: "i", Access: "read"},
	},
}

type registeredItem struct {
	id      string // as listed in RegisteredStatusNotifierItems: service + path
	busName string
	path    dbus.ObjectPath
	owner   string // unique name of the connection that owns busName
}

// watcher implements org.kde.StatusNotifierWatcher like KDE's
// statusnotifierwatcher does. Its exported methods are the D-Bus methods.
type watcher struct {
	conn  *dbus.Conn
	props *prop.Properties

	mu    sync.Mutex
	items []registeredItem
	hosts map[string]string // service -> owner
}

// StartWatcher claims org.kde.StatusNotifierWatcher on the bus and exports
// the watcher, if it is not running yet. Use it with WithoutWatcher to test
// that an app registers when a tray host appears after it started.
func (d *Desktop) StartWatcher() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.watcher != nil {
		return nil
	}
	w := &watcher{conn: d.conn, hosts: map[string]string{}}
	// The test process is the host: report one registered host.
	w.hosts[d.conn.Names()[0]] = d.conn.Names()[0]
	if err := d.conn.Export(w, WatcherPath, WatcherInterface); err != nil {
		return err
	}
	props, err := prop.Export(d.conn, WatcherPath, prop.Map{
		WatcherInterface: {
			"RegisteredStatusNotifierItems":  {Value: []string{}, Emit: prop.EmitTrue},
			"IsStatusNotifierHostRegistered": {Value: true, Emit: prop.EmitTrue},
			"ProtocolVersion":                {Value: int32(0), Emit: prop.EmitConst},
		},
	})
	if err != nil {
		return err
	}
	w.props = props
	node := &introspect.Node{
		Name:       string(WatcherPath),
		Interfaces: []introspect.Interface{introspect.IntrospectData, prop.IntrospectData, watcherIntrospection},
	}
	if err := d.conn.Export(introspect.NewIntrospectable(node), WatcherPath, "org.freedesktop.DBus.Introspectable"); err != nil {
		return err
	}
	d.signals.subscribe(w.onSignal)
	// Export before claiming the name: clients react to NameOwnerChanged
	// by calling RegisterStatusNotifierItem right away.
	reply, err := d.conn.RequestName(WatcherName, dbus.NameFlagDoNotQueue)
	if err != nil {
		return fmt.Errorf("request %s: %w", WatcherName, err)
	}
	if reply != dbus.RequestNameReplyPrimaryOwner {
		return fmt.Errorf("request %s: not primary owner (reply %d)", WatcherName, reply)
	}
	d.watcher = w
	return nil
}

// RegisterStatusNotifierItem is the D-Bus method. service is either an
// object path (fyne.io/systray, libappindicator: the item lives on the
// sender's connection at that path) or a bus name (item at
// /StatusNotifierItem on that name).
func (w *watcher) RegisterStatusNotifierItem(sender dbus.Sender, service string) *dbus.Error {
	var it registeredItem
	if strings.HasPrefix(service, "/") {
		it.busName = string(sender)
		it.path = dbus.ObjectPath(service)
	} else {
		it.busName = service
		it.path = DefaultItemPath
	}
	if !it.path.IsValid() {
		return dbus.MakeFailedError(fmt.Errorf("invalid item path %q", service))
	}
	it.id = it.busName + string(it.path)
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	if err := w.conn.BusObject().CallWithContext(ctx, "org.freedesktop.DBus.GetNameOwner", 0, it.busName).Store(&it.owner); err != nil {
		return dbus.MakeFailedError(fmt.Errorf("item service %q is not on the bus: %v", it.busName, err))
	}

	w.mu.Lock()
	for _, old := range w.items {
		if old.id == it.id {
			w.mu.Unlock()
			return nil // already registered (systray registers again on watcher restarts)
		}
	}
	w.items = append(w.items, it)
	ids := w.idsLocked()
	w.mu.Unlock()

	w.setItems(ids)
	_ = w.conn.Emit(WatcherPath, WatcherInterface+".StatusNotifierItemRegistered", it.id)
	return nil
}

// RegisterStatusNotifierHost is the D-Bus method.
func (w *watcher) RegisterStatusNotifierHost(sender dbus.Sender, service string) *dbus.Error {
	w.mu.Lock()
	w.hosts[service] = string(sender)
	w.mu.Unlock()
	_ = w.conn.Emit(WatcherPath, WatcherInterface+".StatusNotifierHostRegistered")
	return nil
}

// setItems updates RegisteredStatusNotifierItems and emits PropertiesChanged.
func (w *watcher) setItems(ids []string) {
	// SetMust panics when the change signal cannot be sent, which happens
	// when a NameOwnerChanged races with the teardown of the connection.
	defer func() { _ = recover() }()
	w.props.SetMust(WatcherInterface, "RegisteredStatusNotifierItems", ids)
}

func (w *watcher) idsLocked() []string {
	ids := make([]string, len(w.items))
	for i, it := range w.items {
		ids[i] = it.id
	}
	return ids
}

// onSignal drops items (and hosts) whose connection left the bus.
func (w *watcher) onSignal(sig *dbus.Signal) {
	if sig.Name != "org.freedesktop.DBus.NameOwnerChanged" || len(sig.Body) < 3 {
		return
	}
	name, _ := sig.Body[0].(string)
	newOwner, _ := sig.Body[2].(string)
	if newOwner != "" || name == "" {
		return
	}
	var gone []string
	w.mu.Lock()
	kept := w.items[:0]
	for _, it := range w.items {
		if it.busName == name || it.owner == name {
			gone = append(gone, it.id)
			continue
		}
		kept = append(kept, it)
	}
	w.items = kept
	ids := w.idsLocked()
	hostGone := false
	for svc, owner := range w.hosts {
		if svc == name || owner == name {
			delete(w.hosts, svc)
			hostGone = true
		}
	}
	w.mu.Unlock()
	if len(gone) > 0 {
		w.setItems(ids)
		for _, id := range gone {
			_ = w.conn.Emit(WatcherPath, WatcherInterface+".StatusNotifierItemUnregistered", id)
		}
	}
	if hostGone {
		_ = w.conn.Emit(WatcherPath, WatcherInterface+".StatusNotifierHostUnregistered")
	}
}

func (w *watcher) snapshot() []registeredItem {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]registeredItem(nil), w.items...)
}

// ErrNoWatcher is returned by item look-ups on a desktop without watcher.
var ErrNoWatcher = errors.New("desktoptest: no StatusNotifierWatcher on this desktop (WithoutWatcher)")

// Items returns the items currently registered with the watcher, in
// registration order.
func (d *Desktop) Items() []*Item {
	d.mu.Lock()
	w := d.watcher
	d.mu.Unlock()
	if w == nil {
		return nil
	}
	var out []*Item
	for _, it := range w.snapshot() {
		out = append(out, d.newItem(it.id, it.busName, it.path))
	}
	return out
}

// WaitItem waits until a StatusNotifierItem has registered with the watcher
// and returns the first one. On a desktop started WithoutWatcher it waits
// for StartWatcher (or ctx) and its error wraps ErrNoWatcher.
func (d *Desktop) WaitItem(ctx context.Context) (*Item, error) {
	var item *Item
	err := WaitFor(ctx, func() (bool, error) {
		d.mu.Lock()
		w := d.watcher
		d.mu.Unlock()
		if w == nil {
			return false, ErrNoWatcher
		}
		if items := d.Items(); len(items) > 0 {
			item = items[0]
			return true, nil
		}
		return false, nil
	})
	if err != nil {
		return nil, fmt.Errorf("desktoptest: no tray item registered: %w", err)
	}
	return item, nil
}

// WaitItemForPID waits until process pid exports a StatusNotifierItem and
// returns it. It needs no watcher: it first looks at registered items owned
// by pid and then at the well-known name org.kde.StatusNotifierItem-<pid>-1
// (used by fyne.io/systray and libappindicator even when no tray host is
// running). Item.Registered tells whether a watcher knows the item.
func (d *Desktop) WaitItemForPID(ctx context.Context, pid int) (*Item, error) {
	var item *Item
	name := fmt.Sprintf("org.kde.StatusNotifierItem-%d-1", pid)
	err := WaitFor(ctx, func() (bool, error) {
		for _, it := range d.Items() {
			cctx, cancel := context.WithTimeout(ctx, callTimeout)
			p, err := d.connectionPID(cctx, it.BusName)
			cancel()
			if err == nil && int(p) == pid {
				item = it
				return true, nil
			}
		}
		has, err := d.NameHasOwner(name)
		if err != nil || !has {
			return false, err
		}
		item = d.newItem("", name, DefaultItemPath)
		return true, nil
	})
	if err != nil {
		return nil, fmt.Errorf("desktoptest: process %d exported no tray item: %w", pid, err)
	}
	return item, nil
}
