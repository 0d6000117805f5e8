//go:build linux

package desktoptest

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/godbus/dbus/v5/introspect"
)

// D-Bus names of the notification server.
const (
	NotificationsName      = "org.freedesktop.Notifications"
	NotificationsPath      = dbus.ObjectPath("/org/freedesktop/Notifications")
	NotificationsInterface = "org.freedesktop.Notifications"
)

// Notification is one recorded org.freedesktop.Notifications.Notify call.
type Notification struct {
	ID            uint32 // the ID returned to the caller
	ReplacesID    uint32
	AppName       string // beeep: beeep.AppName; Fyne SendNotification: app ID
	Icon          string // app_icon
	Summary       string
	Body          string
	Actions       []string
	Hints         []string // hint keys, sorted (e.g. "image-data", "urgency")
	HintValues    map[string]dbus.Variant
	ExpireTimeout int32 // ms, -1 = server default
	Sender        string
	At            time.Time
}

var notificationsIntrospection = introspect.Interface{
	Name: NotificationsInterface,
	Methods: []introspect.Method{
		{Name: "Notify", Args: []introspect.Arg{
			{Name: "app_name", Type: "s", Direction: "in"},
			{Name: "replaces_id", Type: "u", Direction: "in"},
			{Name: "app_icon", Type: "s", Direction: "in"},
			{Name: "summary", Type: "s", Direction: "in"},
			{Name: "body", Type: "s", Direction: "in"},
			{Name: "actions", Type: "as", Direction: "in"},
			{Name: "hints", Type: "a{sv}", Direction: "in"},
			{Name: "expire_timeout", Type: "i", Direction: "in"},
			{Name: "id", Type: "u", Direction: "out"},
		}},
		{Name: "GetCapabilities", Args: []introspect.Arg{{Name: "capabilities", Type: "as", Direction: "out"}}},
		{Name: "GetServerInformation", Args: []introspect.Arg{
			{Name: "name", Type: "s", Direction: "out"},
			{Name: "vendor", Type: "s", Direction: "out"},
			{Name: "version", Type: "s", Direction: "out"},
			{Name: "spec_version", Type: "s", Direction: "out"},
		}},
		{Name: "CloseNotification", Args: []introspect.Arg{{Name: "id", Type: "u", Direction: "in"}}},
	},
	Signals: []introspect.Signal{
		{Name: "NotificationClosed", Args: []introspect.Arg{{Name: "id", Type: "u"}, {Name: "reason", Type: "u"}}},
		{Name: "ActionInvoked", Args: []introspect.Arg{{Name: "id", Type: "u"}, {Name: "action_key", Type: "s"}}},
	},
}

// notificationServer implements org.freedesktop.Notifications; its
// exported methods are the D-Bus methods.
type notificationServer struct {
	conn *dbus.Conn

	mu     sync.Mutex
	nextID uint32
	list   []Notification
}

func exportNotificationServer(conn *dbus.Conn) (*notificationServer, error) {
	s := &notificationServer{conn: conn}
	if err := conn.Export(s, NotificationsPath, NotificationsInterface); err != nil {
		return nil, err
	}
	node := &introspect.Node{
		Name:       string(NotificationsPath),
		Interfaces: []introspect.Interface{introspect.IntrospectData, notificationsIntrospection},
	}
	if err := conn.Export(introspect.NewIntrospectable(node), NotificationsPath, "org.freedesktop.DBus.Introspectable"); err != nil {
		return nil, err
	}
	reply, err := conn.RequestName(NotificationsName, dbus.NameFlagDoNotQueue)
	if err != nil {
		return nil, fmt.Errorf("request %s: %w", NotificationsName, err)
	}
	if reply != dbus.RequestNameReplyPrimaryOwner {
		return nil, fmt.Errorf("request %s: not primary owner (reply %d)", NotificationsName, reply)
	}
	return s, nil
}

// Notify is the D-Bus method.
func (s *notificationServer) Notify(sender dbus.Sender, appName string, replacesID uint32, appIcon, summary, body string,
	actions []string, hints map[string]dbus.Variant, expireTimeout int32) (uint32, *dbus.Error) {
	n := Notification{
		ReplacesID: replacesID, AppName: appName, Icon: appIcon, Summary: summary, Body: body,
		Actions: actions, HintValues: hints, ExpireTimeout: expireTimeout, Sender: string(sender), At: time.Now(),
	}
	for k := range hints {
		n.Hints = append(n.Hints, k)
	}
	sort.Strings(n.Hints)
	s.mu.Lock()
	defer s.mu.Unlock()
	if replacesID != 0 && replacesID <= s.nextID {
		n.ID = replacesID
	} else {
		s.nextID++
		n.ID = s.nextID
	}
	s.list = append(s.list, n)
	return n.ID, nil
}

// GetCapabilities is the D-Bus method.
func (s *notificationServer) GetCapabilities() ([]string, *dbus.Error) {
	return []string{"body"}, nil
}

// GetServerInformation is the D-Bus method.
func (s *notificationServer) GetServerInformation() (name, vendor, version, specVersion string, err *dbus.Error) {
	return "desktoptest", "paywatch", "1.0", "1.2", nil
}

// CloseNotification is the D-Bus method; it emits NotificationClosed with
// reason 3 (closed by a call to CloseNotification).
func (s *notificationServer) CloseNotification(id uint32) *dbus.Error {
	_ = s.conn.Emit(NotificationsPath, NotificationsInterface+".NotificationClosed", id, uint32(3))
	return nil
}

func (s *notificationServer) snapshot() []Notification {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Notification, len(s.list))
	for k, n := range s.list {
		n.Actions = append([]string(nil), n.Actions...)
		n.Hints = append([]string(nil), n.Hints...)
		hv := make(map[string]dbus.Variant, len(n.HintValues))
		for key, v := range n.HintValues {
			hv[key] = v
		}
		n.HintValues = hv
		out[k] = n
	}
	return out
}

// Notifications returns a copy of all notifications received so far, in
// order. It is nil on a desktop started WithoutNotificationServer.
func (d *Desktop) Notifications() []Notification {
	if d.notif == nil {
		return nil
	}
	return d.notif.snapshot()
}

// WaitNotifications waits until at least n notifications have been received
// and returns all of them (possibly more than n).
func (d *Desktop) WaitNotifications(ctx context.Context, n int) ([]Notification, error) {
	if d.notif == nil {
		return nil, fmt.Errorf("desktoptest: no notification server on this desktop (WithoutNotificationServer)")
	}
	var got []Notification
	err := WaitFor(ctx, func() (bool, error) {
		got = d.notif.snapshot()
		return len(got) >= n, nil
	})
	if err != nil {
		return got, fmt.Errorf("desktoptest: got %d notifications, want %d: %w", len(got), n, err)
	}
	return got, nil
}
