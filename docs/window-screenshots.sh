#!/usr/bin/env bash
# Draws the README's status window pictures: the window's Status and History tabs, filled from a
# scripted 70-day history, drawn by Fyne's software painter in the app package's test driver
# (no display needed). Writes docs/status-window.png and docs/history-bars.png.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
PAYWATCH_SCREENSHOTS="$repo/docs" go test -count=1 -run '^TestScreenshots$' ./app/
echo "wrote docs/status-window.png and docs/history-bars.png"
