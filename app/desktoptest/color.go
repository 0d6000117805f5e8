//go:build linux

package desktoptest

import (
	"image"
	"image/color"
	"math"
)

// DominantColor returns the most common colour among the opaque pixels
// (alpha ≥ 50%) of img. Colours are bucketed (4 bits per channel) so that
// antialiasing does not split a colour; the result is the average of the
// pixels in the winning bucket, with A=255. If no pixel is opaque it
// returns the zero colour (transparent black).
func DominantColor(img image.Image) color.RGBA {
	type acc struct{ n, r, g, b int }
	buckets := map[uint16]*acc{}
	var best *acc
	bnd := img.Bounds()
	for y := bnd.Min.Y; y < bnd.Max.Y; y++ {
		for x := bnd.Min.X; x < bnd.Max.X; x++ {
			c := color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA)
			if c.A < 0x80 {
				continue
			}
			key := uint16(c.R>>4)<<8 | uint16(c.G>>4)<<4 | uint16(c.B>>4)
			a := buckets[key]
			if a == nil {
				a = &acc{}
				buckets[key] = a
			}
			a.n++
			a.r += int(c.R)
			a.g += int(c.G)
			a.b += int(c.B)
			if best == nil || a.n > best.n {
				best = a
			}
		}
	}
	if best == nil {
		return color.RGBA{}
	}
	return color.RGBA{R: uint8(best.r / best.n), G: uint8(best.g / best.n), B: uint8(best.b / best.n), A: 255}
}

// ColorName classifies c coarsely for assertions such as "the icon is now
// red": "transparent", "black", "white", "grey", or by hue "red", "orange",
// "yellow", "green", "cyan", "blue", "magenta". Amber (#FFBF00) is "orange".
func ColorName(c color.RGBA) string {
	if c.A < 0x80 {
		return "transparent"
	}
	r, g, b := float64(c.R)/255, float64(c.G)/255, float64(c.B)/255
	mx := math.Max(r, math.Max(g, b))
	mn := math.Min(r, math.Min(g, b))
	v := mx
	s := 0.0
	if mx > 0 {
		s = (mx - mn) / mx
	}
	switch {
	case v < 0.2:
		return "black"
	case s < 0.25 && v > 0.85:
		return "white"
	case s < 0.25:
		return "grey"
	}
	var h float64
	switch mx {
	case r:
		h = math.Mod((g-b)/(mx-mn), 6)
	case g:
		h = (b-r)/(mx-mn) + 2
	default:
		h = (r-g)/(mx-mn) + 4
	}
	h *= 60
	if h < 0 {
		h += 360
	}
	switch {
	case h < 15 || h >= 345:
		return "red"
	case h < 50:
		return "orange"
	case h < 70:
		return "yellow"
	case h < 165:
		return "green"
	case h < 195:
		return "cyan"
	case h < 260:
		return "blue"
	default:
		return "magenta"
	}
}
