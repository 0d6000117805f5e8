// Command trayapp is a tiny Fyne tray program used by the desktoptest tests.
// It shows a green icon and a menu "Status: green", "Switch", "More" >
// "Nested item", separator, "Quit". "Switch" toggles the icon, the status
// label and the tooltip between green and red and sends a beeep
// notification "Switched to <colour>".
package main

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"log"
	"os"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/systray"
	"github.com/gen2brain/beeep"
)

// AppName is the beeep application name (D-Bus app_name).
const AppName = "Desktoptest Tray"

func solidPNG(c color.RGBA) fyne.Resource {
	img := image.NewRGBA(image.Rect(0, 0, 32, 32))
	for i := 0; i < len(img.Pix); i += 4 {
		img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = c.R, c.G, c.B, c.A
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		log.Fatal(err)
	}
	return fyne.NewStaticResource(fmt.Sprintf("dot-%02x%02x%02x.png", c.R, c.G, c.B), buf.Bytes())
}

func main() {
	beeep.AppName = AppName
	a := app.NewWithID("io.paywatch.desktoptest.trayapp")
	desk, ok := a.(desktop.App)
	if !ok {
		fmt.Fprintln(os.Stderr, "trayapp: not a desktop app")
		os.Exit(2)
	}
	icons := map[string]fyne.Resource{
		"green": solidPNG(color.RGBA{G: 200, A: 255}),
		"red":   solidPNG(color.RGBA{R: 220, A: 255}),
	}
	state := "green"

	status := fyne.NewMenuItem("Status: green", nil)
	status.Disabled = true
	more := fyne.NewMenuItem("More", nil)
	more.ChildMenu = fyne.NewMenu("", fyne.NewMenuItem("Nested item", func() { log.Println("nested clicked") }))
	var menu *fyne.Menu
	switchItem := fyne.NewMenuItem("Switch", func() {
		// Menu actions run on the main goroutine.
		if state == "green" {
			state = "red"
		} else {
			state = "green"
		}
		status.Label = "Status: " + state
		menu.Refresh()
		desk.SetSystemTrayIcon(icons[state])
		systray.SetTooltip("trayapp: " + state)
		go func(s string) {
			if err := beeep.Notify("Switched to "+s, "The tray icon is now "+s, ""); err != nil {
				log.Printf("trayapp: notify: %v", err)
			}
		}(state)
	})
	menu = fyne.NewMenu("trayapp", status, switchItem, more)
	desk.SetSystemTrayIcon(icons[state])
	desk.SetSystemTrayMenu(menu)
	a.Lifecycle().SetOnStarted(func() {
		systray.SetTooltip("trayapp: green")
		log.Println("trayapp: started")
	})
	a.Run()
	log.Println("trayapp: exit")
}
