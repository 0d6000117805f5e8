#!/usr/bin/env bash
# Takes the README screenshots: the demo under Xvfb, with xfce4-panel as the tray host and dunst
# as the notification server, on a private D-Bus session. Needs: xvfb xfce4-panel dunst
# imagemagick xdotool (apt). Writes docs/tray-menu.png and docs/notification.png.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'kill $xpid 2>/dev/null || true; rm -rf "$work"' EXIT
go build -o "$work/paywatch" "$repo"
mkdir -p "$work/home/.config/xfce4/xfconf/xfce-perchannel-xml" "$work/home/.config/dunst" "$work/run"
chmod 700 "$work/run"
cat > "$work/home/.config/xfce4/xfconf/xfce-perchannel-xml/xfce4-panel.xml" <<'XML'
<?xml version="1.0" encoding="UTF-8"?>
<channel name="xfce4-panel" version="1.0">
  <property name="configver" type="int" value="2"/>
  <property name="panels" type="array">
    <value type="int" value="1"/>
    <property name="panel-1" type="empty">
      <property name="position" type="string" value="p=8;x=400;y=16"/>
      <property name="length" type="uint" value="100"/>
      <property name="position-locked" type="bool" value="true"/>
      <property name="size" type="uint" value="32"/>
      <property name="plugin-ids" type="array"><value type="int" value="1"/></property>
    </property>
  </property>
  <property name="plugins" type="empty">
    <property name="plugin-1" type="string" value="systray"/>
  </property>
</channel>
XML
cat > "$work/home/.config/dunst/dunstrc" <<'INI'
[global]
    origin = top-right
    offset = 10x50
    width = 380
    font = DejaVu Sans 10
    frame_width = 1
    frame_color = "#8a8f98"
    max_icon_size = 40
[urgency_normal]
    background = "#ffffff"
    foreground = "#1f2328"
    timeout = 60
INI
export HOME="$work/home" XDG_RUNTIME_DIR="$work/run" LANG=en_US.UTF-8 DISPLAY=:97 WORK="$work"
unset XDG_CONFIG_HOME
Xvfb :97 -screen 0 900x640x24 -nolisten tcp >/dev/null 2>&1 &
xpid=$!
sleep 1
dbus-run-session -- bash -c '
  dunst >/dev/null 2>&1 &
  "$WORK/paywatch" --demo >"$WORK/app.log" 2>&1 &
  sleep 1
  xfce4-panel --disable-wm-check >/dev/null 2>&1 &
  sleep 53                                   # the major outage at 40 s is notified at about 50 s
  import -window root "$WORK/outage.png"
  xdotool mousemove 12 624 click 3           # open the tray menu
  sleep 1.5
  import -window root "$WORK/menu.png"
  kill %1 %2 %3 2>/dev/null || true
'
convert "$work/menu.png" -crop 470x640+0+0 +repage -bordercolor black -border 1 -fuzz 2% -trim +repage "$repo/docs/tray-menu.png"
convert "$work/outage.png" -crop 420x110+485+40 +repage "$repo/docs/notification.png"
# A blank crop means the notification was not on screen when the shot was taken: fail loudly
# rather than leave a black image in the README.
for f in "$repo/docs/tray-menu.png" "$repo/docs/notification.png"; do
  if [ "$(convert "$f" -format '%[fx:standard_deviation>0.01]' info:)" != 1 ]; then
    echo "screenshot.sh: $f is blank; see $work/app.log" >&2
    git -C "$repo" checkout -- "$f" 2>/dev/null || true
    exit 1
  fi
done
echo "wrote docs/tray-menu.png and docs/notification.png"
