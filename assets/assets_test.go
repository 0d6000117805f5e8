package assets

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"

	"github.com/paywatch/paywatch/assets/internal/draw"
)

// The colours each state must use: circle fill and glyph.
var palette = map[string][2]color.NRGBA{
	"unknown":        {hex(0x8a8f98), hex(0xffffff)},
	"operational":    {hex(0x1f9d55), hex(0xffffff)},
	"maintenance":    {hex(0x2563eb), hex(0xffffff)},
	"degraded":       {hex(0xe6b800), hex(0x1f2328)},
	"partial_outage": {hex(0xea6a0a), hex(0xffffff)},
	"major_outage":   {hex(0xd1242f), hex(0xffffff)},
	"offline":        {hex(0x6b7280), hex(0xffffff)},
}

func hex(v uint32) color.NRGBA {
	return color.NRGBA{uint8(v >> 16), uint8(v >> 8), uint8(v), 0xff}
}

func dist(a, b color.NRGBA) int {
	d := func(x, y uint8) int {
		if x > y {
			return int(x - y)
		}
		return int(y - x)
	}
	return d(a.R, b.R) + d(a.G, b.G) + d(a.B, b.B)
}

func decode(t *testing.T, b []byte) *image.NRGBA {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	out := image.NewNRGBA(img.Bounds())
	for y := img.Bounds().Min.Y; y < img.Bounds().Max.Y; y++ {
		for x := img.Bounds().Min.X; x < img.Bounds().Max.X; x++ {
			out.Set(x, y, img.At(x, y))
		}
	}
	return out
}

func TestStatesAndSizes(t *testing.T) {
	want := []string{"unknown", "operational", "maintenance", "degraded", "partial_outage", "major_outage", "offline"}
	if got := States(); !reflect.DeepEqual(got, want) {
		t.Fatalf("States() = %v, want %v", got, want)
	}
	States()[0] = "changed"
	if States()[0] != "unknown" {
		t.Error("States() exposes internal slice")
	}
	if !reflect.DeepEqual(Sizes, []int{16, 22, 24, 32, 48, 64}) {
		t.Errorf("Sizes = %v", Sizes)
	}
	if !reflect.DeepEqual(draw.States, want) || !reflect.DeepEqual(draw.Sizes, Sizes) {
		t.Error("generator states/sizes differ from the package's")
	}
}

func TestTrayIcons(t *testing.T) {
	for _, st := range States() {
		for _, sz := range Sizes {
			b, err := TrayIcon(st, sz)
			if err != nil {
				t.Fatalf("TrayIcon(%q, %d): %v", st, sz, err)
			}
			img := decode(t, b)
			if img.Bounds() != image.Rect(0, 0, sz, sz) {
				t.Fatalf("%s-%d: bounds %v", st, sz, img.Bounds())
			}
			for _, p := range []image.Point{{0, 0}, {sz - 1, 0}, {0, sz - 1}, {sz - 1, sz - 1}} {
				if a := img.NRGBAAt(p.X, p.Y).A; a != 0 {
					t.Errorf("%s-%d: corner %v alpha %d, want 0", st, sz, p, a)
				}
			}
			if a := img.NRGBAAt(sz/2, sz/2).A; a != 0xff {
				t.Errorf("%s-%d: centre alpha %d, want 255", st, sz, a)
			}
		}
	}
}

func TestTrayIconSizeRounding(t *testing.T) {
	for _, tc := range []struct{ in, want int }{
		{1, 16}, {16, 16}, {18, 16}, {19, 22}, {20, 22}, {23, 24}, {28, 32}, {40, 48}, {56, 64}, {1000, 64},
	} {
		got, err := TrayIcon("operational", tc.in)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := icons.ReadFile(fmt.Sprintf("icons/operational-%d.png", tc.want))
		if !bytes.Equal(got, want) {
			t.Errorf("TrayIcon(_, %d) is not the %d px icon", tc.in, tc.want)
		}
	}
	if _, err := TrayIcon("broken", 16); err == nil {
		t.Error("unknown state: no error")
	}
	if _, err := TrayIcon("operational", 0); err == nil {
		t.Error("size 0: no error")
	}
}

// mainColor is the most common opaque colour: the circle's fill.
func mainColor(img *image.NRGBA) color.NRGBA {
	count := map[color.NRGBA]int{}
	var best color.NRGBA
	for i := 0; i+3 < len(img.Pix); i += 4 {
		c := color.NRGBA{img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3]}
		if c.A != 0xff {
			continue
		}
		count[c]++
		if count[c] > count[best] || count[c] == count[best] && dist(c, color.NRGBA{}) < dist(best, color.NRGBA{}) {
			best = c
		}
	}
	return best
}

func TestFillColours(t *testing.T) {
	for _, sz := range Sizes {
		seen := map[string]color.NRGBA{}
		for _, st := range States() {
			b, _ := TrayIcon(st, sz)
			img := decode(t, b)
			got := mainColor(img)
			if want := palette[st][0]; got != want {
				t.Errorf("%s-%d: main colour %v, want %v", st, sz, got, want)
			}
			// A point on the fill between glyph and ring, below centre.
			p := img.NRGBAAt(sz/2, sz/2+sz*11/32)
			if p != palette[st][0] {
				t.Errorf("%s-%d: fill sample %v, want %v", st, sz, p, palette[st][0])
			}
			for other, c := range seen {
				if dist(c, got) < 40 {
					t.Errorf("%d px: %s and %s colours too close: %v %v", sz, st, other, c, got)
				}
			}
			seen[st] = got
		}
	}
}

// glyphMask marks the pixels closer to the glyph colour than to the fill.
func glyphMask(img *image.NRGBA, fill, glyph color.NRGBA) []bool {
	b := img.Bounds()
	m := make([]bool, 0, b.Dx()*b.Dy())
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			c := img.NRGBAAt(x, y)
			m = append(m, c.A == 0xff && dist(c, glyph) < dist(c, fill))
		}
	}
	return m
}

func TestGlyphsDiffer(t *testing.T) {
	masks := map[string][]bool{}
	for _, st := range States() {
		b, _ := TrayIcon(st, 64)
		m := glyphMask(decode(t, b), palette[st][0], palette[st][1])
		n := 0
		for _, v := range m {
			if v {
				n++
			}
		}
		if n < 150 {
			t.Errorf("%s-64: only %d glyph pixels", st, n)
		}
		masks[st] = m
	}
	states := States()
	for i, a := range states {
		for _, b := range states[i+1:] {
			diff, union := 0, 0
			for k := range masks[a] {
				if masks[a][k] != masks[b][k] {
					diff++
				}
				if masks[a][k] || masks[b][k] {
					union++
				}
			}
			if diff*4 < union {
				t.Errorf("%s and %s glyphs too similar: %d of %d pixels differ", a, b, diff, union)
			}
		}
	}
}

func TestAppIcon(t *testing.T) {
	img := decode(t, AppIcon())
	if img.Bounds() != image.Rect(0, 0, 512, 512) {
		t.Fatalf("bounds %v", img.Bounds())
	}
	if a := img.NRGBAAt(0, 0).A; a != 0 {
		t.Errorf("corner alpha %d", a)
	}
	if a := img.NRGBAAt(256, 256).A; a != 0xff {
		t.Errorf("centre alpha %d", a)
	}
	b, err := icons.ReadFile("icons/app-256.png")
	if err != nil {
		t.Fatal(err)
	}
	if img := decode(t, b); img.Bounds().Dx() != 256 {
		t.Errorf("app-256 bounds %v", img.Bounds())
	}
}

// TestIconsUpToDate re-runs the generator and checks that the committed
// icons are exactly what it produces, and that there are no others.
func TestIconsUpToDate(t *testing.T) {
	dir := t.TempDir()
	if err := draw.WriteAll(dir); err != nil {
		t.Fatal(err)
	}
	generated, err := filepath.Glob(filepath.Join(dir, "*.png"))
	if err != nil {
		t.Fatal(err)
	}
	committed, err := fs.Glob(icons, "icons/*.png")
	if err != nil {
		t.Fatal(err)
	}
	var gNames, cNames []string
	for _, g := range generated {
		gNames = append(gNames, filepath.Base(g))
	}
	for _, c := range committed {
		cNames = append(cNames, filepath.Base(c))
	}
	slices.Sort(gNames)
	slices.Sort(cNames)
	if !slices.Equal(gNames, cNames) {
		t.Fatalf("generated %v\ncommitted %v\nrun: go run ./assets/internal/gen", gNames, cNames)
	}
	if want := len(States())*len(Sizes) + 2; len(gNames) != want {
		t.Errorf("%d icons, want %d", len(gNames), want)
	}
	for _, name := range gNames {
		g, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		c, err := icons.ReadFile("icons/" + name)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Equal(g, c) {
			continue
		}
		if reflect.DeepEqual(decode(t, g).Pix, decode(t, c).Pix) {
			t.Errorf("%s: same pixels but different PNG bytes (PNG encoder changed?); run: go run ./assets/internal/gen", name)
		} else {
			t.Errorf("%s: differs from the generator output; run: go run ./assets/internal/gen", name)
		}
	}
}
