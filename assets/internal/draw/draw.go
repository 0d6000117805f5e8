// Package draw renders Paywatch's tray and application icons with the
// standard library only. It is shared by the generator (assets/internal/gen)
// and by the assets tests, which check that the committed PNGs match it.
package draw

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
)

// States lists the tray states in the order used by the assets package.
var States = []string{
	"unknown",
	"operational",
	"maintenance",
	"degraded",
	"partial_outage",
	"major_outage",
	"offline",
}

// Sizes are the generated tray icon sizes in pixels.
var Sizes = []int{16, 22, 24, 32, 48, 64}

// AppSizes are the generated application icon sizes in pixels.
var AppSizes = []int{256, 512}

// Samples per pixel along each axis: tray icons are small and get more.
const (
	traySupersample = 8
	appSupersample  = 4
)

func rgb(hex uint32) color.NRGBA {
	return color.NRGBA{uint8(hex >> 16), uint8(hex >> 8), uint8(hex), 0xff}
}

// darken scales a colour towards black by factor f (0..1 kept).
func darken(c color.NRGBA, f float64) color.NRGBA {
	s := func(v uint8) uint8 { return uint8(math.Round(float64(v) * f)) }
	return color.NRGBA{s(c.R), s(c.G), s(c.B), c.A}
}

var (
	white = rgb(0xffffff)
	ink   = rgb(0x1f2328)
)

type style struct {
	fill, glyph color.NRGBA
}

var styles = map[string]style{
	"unknown":        {rgb(0x8a8f98), white},
	"operational":    {rgb(0x1f9d55), white},
	"maintenance":    {rgb(0x2563eb), white},
	"degraded":       {rgb(0xe6b800), ink},
	"partial_outage": {rgb(0xea6a0a), white},
	"major_outage":   {rgb(0xd1242f), white},
	"offline":        {rgb(0x6b7280), white},
}

// layer is a shape painted in an opaque colour; later layers cover earlier
// ones.
type layer struct {
	s shape
	c color.NRGBA
}

// render draws layers into a size×size image. toUnit maps pixel coordinates
// to the layers' coordinate space. Each pixel is the box average of ss×ss
// point samples (supersampling, then box downscaling).
func render(size, ss int, toUnit func(x, y float64) (float64, float64), layers []layer) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	n := ss * ss
	for py := 0; py < size; py++ {
		for px := 0; px < size; px++ {
			var r, g, b, a int
			for sy := 0; sy < ss; sy++ {
				for sx := 0; sx < ss; sx++ {
					x := float64(px) + (float64(sx)+0.5)/float64(ss)
					y := float64(py) + (float64(sy)+0.5)/float64(ss)
					ux, uy := toUnit(x, y)
					for i := len(layers) - 1; i >= 0; i-- {
						if layers[i].s(ux, uy) <= 0 {
							c := layers[i].c
							r += int(c.R)
							g += int(c.G)
							b += int(c.B)
							a++
							break
						}
					}
				}
			}
			if a == 0 {
				continue
			}
			// r, g, b are sums of opaque samples: dividing by a gives the
			// straight (non-premultiplied) colour.
			img.SetNRGBA(px, py, color.NRGBA{
				R: uint8((r + a/2) / a),
				G: uint8((g + a/2) / a),
				B: uint8((b + a/2) / a),
				A: uint8((a*255 + n/2) / n),
			})
		}
	}
	return img
}

// trayStroke is the glyph stroke width in pixels for a tray icon size.
func trayStroke(size int) float64 {
	if size <= 24 {
		return 2
	}
	return 0.09 * float64(size)
}

// TrayIcon draws the icon of a state at the given pixel size.
func TrayIcon(state string, size int) (*image.NRGBA, error) {
	st, ok := styles[state]
	if !ok {
		return nil, fmt.Errorf("draw: unknown state %q", state)
	}
	if size < 8 {
		return nil, fmt.Errorf("draw: size %d too small", size)
	}
	// Unit space: circle centred on the origin with radius 1, y down.
	rpx := float64(size) / 2
	px := 1 / rpx // one pixel in units
	toUnit := func(x, y float64) (float64, float64) {
		return (x - rpx) * px, (y - rpx) * px
	}
	ring := math.Max(1, float64(size)/22) * px
	w := trayStroke(size) * px

	glyph, extra := trayGlyph(state, w, px, st)
	layers := []layer{
		{disk(0, 0, 1), darken(st.fill, 0.72)},
		{disk(0, 0, 1-ring), st.fill},
		{glyph, st.glyph},
	}
	layers = append(layers, extra...)
	return render(size, traySupersample, toUnit, layers), nil
}

// trayGlyph returns the glyph shape of a state in unit space (circle radius
// 1), with stroke width w and pixel size px, plus any extra layers painted
// on top of it.
func trayGlyph(state string, w, px float64, st style) (shape, []layer) {
	switch state {
	case "operational":
		return polyline(w, [2]float64{-0.42, 0.02}, [2]float64{-0.12, 0.32}, [2]float64{0.44, -0.3}), nil
	case "major_outage":
		const k = 0.36
		return union(
			polyline(w, [2]float64{-k, -k}, [2]float64{k, k}),
			polyline(w, [2]float64{-k, k}, [2]float64{k, -k}),
		), nil
	case "degraded":
		return exclamation(w, px, 0), nil
	case "partial_outage":
		// Two marks, so it differs from degraded by shape, not only colour.
		// The offset is snapped to whole pixels to keep the stems crisp.
		d := math.Round(0.25/px) * px
		return union(exclamation(w, px, -d), exclamation(w, px, d)), nil
	case "unknown":
		return question(w), nil
	case "maintenance":
		return wrench(w), nil
	case "offline":
		return offline(w, px, st)
	}
	return nil, nil
}

// exclamation is an exclamation mark centred on x, with its stem ends
// snapped to whole pixels (px) so it stays crisp at small sizes.
func exclamation(w, px, x float64) shape {
	snap := func(v float64) float64 { return math.Round(v/px) * px }
	top, bottom := snap(-0.52), snap(0.16)
	rad := w / 2 // round ends...
	if w < 3*px {
		rad = 0.5 * px // ...unless the stem is only a couple of pixels wide
	}
	dotR := w * 0.62
	dotY := snap(bottom + 0.6*w + dotR)
	return union(
		roundRect(x, (top+bottom)/2, w/2, (bottom-top)/2, rad),
		disk(x, dotY, dotR),
	)
}

func question(w float64) shape {
	const cy, r = -0.2, 0.27
	// Hook: arc from the left, over the top, down the right side, then a
	// short diagonal into the stem.
	const a1 = 35.0
	ex := r * math.Cos(a1*math.Pi/180)
	ey := cy + r*math.Sin(a1*math.Pi/180)
	return union(
		arc(0, cy, r, 185, 360+a1, w),
		polyline(w, [2]float64{ex, ey}, [2]float64{0, 0.12}, [2]float64{0, 0.16}),
		disk(0, 0.46, w*0.68),
	)
}

func wrench(w float64) shape {
	// An open-ended spanner lying diagonally: a round head at the top right
	// with a jaw slot opening to the upper right, and a handle to the
	// bottom left.
	const hx, hy, hr = 0.2, -0.2, 0.34
	handle := polyline(w*1.25, [2]float64{hx, hy}, [2]float64{-0.42, 0.42})
	head := disk(hx, hy, hr)
	slot := rotate(rect(hx-0.11, hy-1, hx+0.11, hy), hx, hy, 45)
	return minus(union(handle, head), slot)
}

func offline(w, px float64, st style) (shape, []layer) {
	// A solid cloud struck through by a slash with a gap of fill colour
	// around it: "cannot reach the service".
	const k = 1.36 // scale of the cloud
	base := union(
		disk(0.06, -0.1, 0.3),
		disk(-0.3, 0.07, 0.2),
		disk(0.34, 0.04, 0.23),
		rect(-0.3, 0, 0.34, 0.27),
	)
	cloud := func(x, y float64) float64 {
		// Undo the scale and centre the bounding box on the origin.
		return base(x/k-0.035, y/k-0.03) * k
	}
	a := [2]float64{-0.55, -0.55}
	b := [2]float64{0.55, 0.55}
	if px > 1.0/14 { // 24 px and below
		// At these sizes a white slash with gaps turns into stripes; cut the
		// cloud in two instead.
		return minus(cloud, polyline(1.5*px, a, b)), nil
	}
	sw := math.Max(w*0.8, 1.6*px) // slash width
	gap := math.Max(w*0.45, px)
	return cloud, []layer{
		{polyline(sw+2*gap, a, b), st.fill},
		{polyline(sw, a, b), st.glyph},
	}
}

// AppIcon draws the application icon: a dark-blue rounded square with a
// white credit-card outline and a green check badge.
func AppIcon(size int) *image.NRGBA {
	// Unit space: 0..1 across the image, y down.
	s := float64(size)
	toUnit := func(x, y float64) (float64, float64) { return x / s, y / s }
	bg := rgb(0x1e3a8a)
	green := rgb(0x1f9d55)

	const m = 0.04 // margin
	square := roundRect(0.5, 0.5, 0.5-m, 0.5-m, 0.2)

	// Card: 0.62 × 0.40, centred slightly up and left to leave room for
	// the badge.
	const cx, cy, chw, chh, sw = 0.46, 0.45, 0.31, 0.2, 0.045
	card := outline(roundRect(cx, cy, chw-sw/2, chh-sw/2, 0.06), sw)
	stripe := rect(cx-chw+sw/2, cy-chh+0.1, cx+chw-sw/2, cy-chh+0.1+0.06)
	chip := roundRect(cx-chw+0.13, cy+0.06, 0.055, 0.04, 0.015)

	const bx, by, br = 0.72, 0.7, 0.17
	check := polyline(0.055,
		[2]float64{bx - 0.075, by + 0.005},
		[2]float64{bx - 0.022, by + 0.058},
		[2]float64{bx + 0.078, by - 0.045})

	layers := []layer{
		{square, bg},
		{union(card, stripe, chip), white},
		{disk(bx, by, br+0.035), bg}, // gap around the badge
		{disk(bx, by, br), green},
		{check, white},
	}
	return render(size, appSupersample, toUnit, layers)
}

// EncodePNG encodes an image as PNG deterministically.
func EncodePNG(img image.Image) ([]byte, error) {
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	if err := enc.Encode(&buf, img); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// TrayFile is the file name of a tray icon, relative to assets/icons.
func TrayFile(state string, size int) string {
	return fmt.Sprintf("%s-%d.png", state, size)
}

// AppFile is the file name of an application icon, relative to assets/icons.
func AppFile(size int) string {
	return fmt.Sprintf("app-%d.png", size)
}

// Files renders every icon and returns the PNG bytes keyed by file name.
func Files() (map[string][]byte, error) {
	out := map[string][]byte{}
	for _, st := range States {
		for _, sz := range Sizes {
			img, err := TrayIcon(st, sz)
			if err != nil {
				return nil, err
			}
			b, err := EncodePNG(img)
			if err != nil {
				return nil, err
			}
			out[TrayFile(st, sz)] = b
		}
	}
	for _, sz := range AppSizes {
		b, err := EncodePNG(AppIcon(sz))
		if err != nil {
			return nil, err
		}
		out[AppFile(sz)] = b
	}
	return out, nil
}

// WriteAll renders every icon into dir, creating it if needed.
func WriteAll(dir string) error {
	files, err := Files()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			return err
		}
	}
	return nil
}
