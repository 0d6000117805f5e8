//go:build linux

package desktoptest

import (
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"strings"
	"time"

	"github.com/godbus/dbus/v5"
)

// D-Bus interfaces used by tray items.
const (
	ItemInterface     = "org.kde.StatusNotifierItem"
	DBusMenuInterface = "com.canonical.dbusmenu"
)

// Item is a StatusNotifierItem exported by a program on the desktop.
type Item struct {
	// ID is the entry in the watcher's RegisteredStatusNotifierItems
	// (bus name + path), empty if the item was found without a watcher.
	ID string
	// BusName is the name the item is reached at: the unique name of the
	// registering connection, or the well-known name it registered with.
	BusName string
	// Path is the item's object path (fyne.io/systray: /StatusNotifierItem).
	Path dbus.ObjectPath

	d *Desktop
}

func (d *Desktop) newItem(id, busName string, path dbus.ObjectPath) *Item {
	return &Item{ID: id, BusName: busName, Path: path, d: d}
}

func (i *Item) String() string { return i.BusName + string(i.Path) }

// Registered reports whether the watcher currently lists the item.
func (i *Item) Registered() bool {
	for _, it := range i.d.Items() {
		if it.BusName == i.BusName && it.Path == i.Path {
			return true
		}
	}
	return false
}

func (i *Item) obj() dbus.BusObject { return i.d.conn.Object(i.BusName, i.Path) }

// Property reads org.kde.StatusNotifierItem.<name>.
func (i *Item) Property(name string) (dbus.Variant, error) {
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	var v dbus.Variant
	err := i.obj().CallWithContext(ctx, "org.freedesktop.DBus.Properties.Get", 0, ItemInterface, name).Store(&v)
	if err != nil {
		return dbus.Variant{}, fmt.Errorf("desktoptest: %s: get %s: %w", i, name, err)
	}
	return v, nil
}

func (i *Item) stringProperty(name string) (string, error) {
	v, err := i.Property(name)
	if err != nil {
		return "", err
	}
	s, ok := v.Value().(string)
	if !ok {
		return "", fmt.Errorf("desktoptest: %s: %s has type %s, want s", i, name, v.Signature())
	}
	return s, nil
}

// Title returns the SNI Title property (Fyne sets the app name or ID).
func (i *Item) Title() (string, error) { return i.stringProperty("Title") }

// Status returns the SNI Status property (Passive, Active, NeedsAttention).
func (i *Item) Status() (string, error) { return i.stringProperty("Status") }

// ToolTip returns the title and description of the SNI ToolTip property
// (signature (sa(iiay)ss): icon name, icon pixmaps, title, description).
// fyne.io/systray.SetTooltip sets the title.
func (i *Item) ToolTip() (title, description string, err error) {
	v, err := i.Property("ToolTip")
	if err != nil {
		return "", "", err
	}
	var tt struct {
		IconName    string
		Icons       []rawPixmap
		Title       string
		Description string
	}
	if err := v.Store(&tt); err != nil {
		return "", "", fmt.Errorf("desktoptest: %s: decode ToolTip %s: %w", i, v.Signature(), err)
	}
	return tt.Title, tt.Description, nil
}

// rawPixmap is one (iiay) entry.
type rawPixmap struct {
	W, H int32
	Data []byte
}

// Pixmap is one IconPixmap entry: Width×Height pixels, ARGB32 in network
// byte order (A, R, G, B bytes per pixel), row by row.
type Pixmap struct {
	Width, Height int
	ARGB          []byte
}

// IconPixmap reads the SNI IconPixmap property (a(iiay)). An item whose icon
// failed to decode (e.g. SVG with old Fyne) has one 0×0 entry.
func (i *Item) IconPixmap() ([]Pixmap, error) {
	v, err := i.Property("IconPixmap")
	if err != nil {
		return nil, err
	}
	var raw []rawPixmap
	if err := v.Store(&raw); err != nil {
		return nil, fmt.Errorf("desktoptest: %s: decode IconPixmap %s: %w", i, v.Signature(), err)
	}
	out := make([]Pixmap, len(raw))
	for k, r := range raw {
		out[k] = Pixmap{Width: int(r.W), Height: int(r.H), ARGB: r.Data}
	}
	return out, nil
}

// Image converts the pixmap to an image. SNI pixmaps carry straight
// (non-premultiplied) alpha, hence *image.NRGBA. Missing bytes stay
// transparent.
func (p Pixmap) Image() *image.NRGBA {
	w, h := max(p.Width, 0), max(p.Height, 0)
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	n := min(len(p.ARGB), len(img.Pix))
	for k := 0; k+3 < n; k += 4 {
		img.Pix[k+0] = p.ARGB[k+1] // R
		img.Pix[k+1] = p.ARGB[k+2] // G
		img.Pix[k+2] = p.ARGB[k+3] // B
		img.Pix[k+3] = p.ARGB[k+0] // A
	}
	return img
}

// IconColor returns DominantColor of the largest IconPixmap entry.
func (i *Item) IconColor() (color.RGBA, error) {
	pms, err := i.IconPixmap()
	if err != nil {
		return color.RGBA{}, err
	}
	best := -1
	for k, p := range pms {
		if p.Width*p.Height > 0 && (best < 0 || p.Width*p.Height > pms[best].Width*pms[best].Height) {
			best = k
		}
	}
	if best < 0 {
		return color.RGBA{}, fmt.Errorf("desktoptest: %s: IconPixmap is empty (%d entries without pixels)", i, len(pms))
	}
	return DominantColor(pms[best].Image()), nil
}

// Activate sends org.kde.StatusNotifierItem.Activate(x, y), what a host does
// on a left click.
func (i *Item) Activate(x, y int32) error {
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	return i.obj().CallWithContext(ctx, ItemInterface+".Activate", 0, x, y).Err
}

// MenuPath reads the item's Menu property: the object path of its
// com.canonical.dbusmenu (fyne.io/systray ≥1.12: /StatusNotifierItem/menu).
func (i *Item) MenuPath() (dbus.ObjectPath, error) {
	v, err := i.Property("Menu")
	if err != nil {
		return "", err
	}
	p, ok := v.Value().(dbus.ObjectPath)
	if !ok || !p.IsValid() || p == "/" {
		return "", fmt.Errorf("desktoptest: %s: item has no menu (Menu=%v)", i, v)
	}
	return p, nil
}

// MenuNode is one entry of a com.canonical.dbusmenu layout.
type MenuNode struct {
	ID              int32
	Type            string // "standard" or "separator"
	Label           string
	Enabled         bool
	Visible         bool
	ToggleType      string // "", "checkmark" or "radio"
	ToggleState     int    // 0 off, 1 on, -1 indeterminate/unset
	ChildrenDisplay string // "submenu" for items with children
	Properties      map[string]dbus.Variant
	Children        []MenuNode
}

// IsSeparator reports whether the node is a separator.
func (n MenuNode) IsSeparator() bool { return n.Type == "separator" }

// Labels returns the labels of the visible, non-separator descendants of n,
// depth first (submenu children follow their parent).
func (n MenuNode) Labels() []string {
	var out []string
	var walk func(MenuNode)
	walk = func(m MenuNode) {
		for _, c := range m.Children {
			if !c.Visible || c.IsSeparator() {
				continue
			}
			out = append(out, c.Label)
			walk(c)
		}
	}
	walk(n)
	return out
}

// Find returns the first visible, non-separator descendant whose label is
// label (mnemonic underscores ignored), depth first.
func (n MenuNode) Find(label string) (MenuNode, bool) {
	for _, c := range n.Children {
		if !c.Visible || c.IsSeparator() {
			continue
		}
		if c.Label == label || stripMnemonic(c.Label) == label {
			return c, true
		}
		if f, ok := c.Find(label); ok {
			return f, true
		}
	}
	return MenuNode{}, false
}

// stripMnemonic removes dbusmenu access-key markers: "_Quit" -> "Quit",
// "a__b" -> "a_b".
func stripMnemonic(s string) string {
	var b strings.Builder
	for k := 0; k < len(s); k++ {
		if s[k] == '_' {
			if k+1 < len(s) && s[k+1] == '_' {
				b.WriteByte('_')
				k++
			}
			continue
		}
		b.WriteByte(s[k])
	}
	return b.String()
}

// MenuLayout calls com.canonical.dbusmenu.GetLayout(0, -1, []) on the path
// from the item's Menu property and returns the root node.
func (i *Item) MenuLayout() (MenuNode, error) {
	path, err := i.MenuPath()
	if err != nil {
		return MenuNode{}, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	call := i.d.conn.Object(i.BusName, path).CallWithContext(ctx, DBusMenuInterface+".GetLayout", 0, int32(0), int32(-1), []string{})
	if call.Err != nil {
		return MenuNode{}, fmt.Errorf("desktoptest: %s: GetLayout on %s: %w", i, path, call.Err)
	}
	if len(call.Body) != 2 {
		return MenuNode{}, fmt.Errorf("desktoptest: %s: GetLayout returned %d values, want 2", i, len(call.Body))
	}
	return parseMenuNode(call.Body[1])
}

func parseMenuNode(v any) (MenuNode, error) {
	if vv, ok := v.(dbus.Variant); ok {
		v = vv.Value()
	}
	fields, ok := v.([]any)
	if !ok || len(fields) != 3 {
		return MenuNode{}, fmt.Errorf("desktoptest: menu layout entry %T %v is not (ia{sv}av)", v, v)
	}
	id, ok1 := fields[0].(int32)
	props, ok2 := fields[1].(map[string]dbus.Variant)
	children, ok3 := fields[2].([]dbus.Variant)
	if !ok1 || !ok2 || !ok3 {
		return MenuNode{}, fmt.Errorf("desktoptest: menu layout entry (%T, %T, %T) is not (ia{sv}av)", fields[0], fields[1], fields[2])
	}
	n := MenuNode{ID: id, Type: "standard", Enabled: true, Visible: true, ToggleState: -1, Properties: props}
	if s, ok := props["type"].Value().(string); ok && s != "" {
		n.Type = s
	}
	if s, ok := props["label"].Value().(string); ok {
		n.Label = s
	}
	if b, ok := props["enabled"].Value().(bool); ok {
		n.Enabled = b
	}
	if b, ok := props["visible"].Value().(bool); ok {
		n.Visible = b
	}
	if s, ok := props["toggle-type"].Value().(string); ok {
		n.ToggleType = s
	}
	if st, ok := props["toggle-state"]; ok {
		// The spec says i; fyne.io/systray sends a Go int, i.e. x.
		switch x := st.Value().(type) {
		case int32:
			n.ToggleState = int(x)
		case int64:
			n.ToggleState = int(x)
		case uint32:
			n.ToggleState = int(x)
		case int16:
			n.ToggleState = int(x)
		case uint8:
			n.ToggleState = int(x)
		}
	}
	if s, ok := props["children-display"].Value().(string); ok {
		n.ChildrenDisplay = s
	}
	for _, c := range children {
		cn, err := parseMenuNode(c)
		if err != nil {
			return MenuNode{}, err
		}
		n.Children = append(n.Children, cn)
	}
	return n, nil
}

// MenuLabels returns the labels of all visible menu entries (separators
// left out), submenu children right after their parent.
func (i *Item) MenuLabels() ([]string, error) {
	root, err := i.MenuLayout()
	if err != nil {
		return nil, err
	}
	return root.Labels(), nil
}

// ClickMenu finds the visible entry labelled label (anywhere in the tree)
// and sends com.canonical.dbusmenu.Event(id, "clicked", int32 0, timestamp),
// as a tray host does when the user picks it. Disabled entries are refused.
// If the click makes the program exit before it replies (Quit), that is
// not an error.
//
// Fyne rebuilds a tray menu entry by entry, so a layout read mid-rebuild can lack entries
// that were there a moment before and will be again. An entry that is missing is looked
// up again (every 50 ms, for up to menuSettle) before ClickMenu gives up.
func (i *Item) ClickMenu(label string) error {
	root, err := i.MenuLayout()
	if err != nil {
		return err
	}
	n, ok := root.Find(label)
	for deadline := time.Now().Add(menuSettle); !ok && time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond)
		if root, err = i.MenuLayout(); err != nil {
			return err
		}
		n, ok = root.Find(label)
	}
	if !ok {
		return fmt.Errorf("desktoptest: %s: no menu entry %q; entries: %q", i, label, root.Labels())
	}
	if !n.Enabled {
		return fmt.Errorf("desktoptest: %s: menu entry %q (id %d) is disabled", i, label, n.ID)
	}
	path, err := i.MenuPath()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	err = i.d.conn.Object(i.BusName, path).CallWithContext(ctx, DBusMenuInterface+".Event", 0,
		n.ID, "clicked", dbus.MakeVariant(int32(0)), uint32(time.Now().Unix())).Err
	if err != nil {
		var derr dbus.Error
		if errors.As(err, &derr) && derr.Name == "org.freedesktop.DBus.Error.NoReply" {
			if has, herr := i.d.NameHasOwner(i.BusName); herr == nil && !has {
				return nil // the program quit while handling the click
			}
		}
		return fmt.Errorf("desktoptest: %s: click %q (id %d): %w", i, label, n.ID, err)
	}
	return nil
}
