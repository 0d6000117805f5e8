package draw

import "math"

// shape is a signed distance function: negative inside, positive outside.
// Coordinates are in the icon's local unit space (see the callers).
type shape func(x, y float64) float64

func disk(cx, cy, r float64) shape {
	return func(x, y float64) float64 {
		return math.Hypot(x-cx, y-cy) - r
	}
}

// segDist is the distance from (x, y) to the segment a-b.
func segDist(x, y, ax, ay, bx, by float64) float64 {
	dx, dy := bx-ax, by-ay
	px, py := x-ax, y-ay
	l2 := dx*dx + dy*dy
	t := 0.0
	if l2 > 0 {
		t = (px*dx + py*dy) / l2
		t = math.Max(0, math.Min(1, t))
	}
	return math.Hypot(px-t*dx, py-t*dy)
}

// polyline strokes the points with width w, round caps and joins.
func polyline(w float64, pts ...[2]float64) shape {
	return func(x, y float64) float64 {
		d := math.Inf(1)
		for i := 0; i+1 < len(pts); i++ {
			d = math.Min(d, segDist(x, y, pts[i][0], pts[i][1], pts[i+1][0], pts[i+1][1]))
		}
		return d - w/2
	}
}

// arc strokes a circular arc of radius r around (cx, cy) with width w and
// round caps. Angles are in degrees, y axis pointing down (so 270 is the
// top), and the arc runs from a0 to a1 with a0 < a1.
func arc(cx, cy, r, a0, a1, w float64) shape {
	r0, r1 := a0*math.Pi/180, a1*math.Pi/180
	e0x, e0y := cx+r*math.Cos(r0), cy+r*math.Sin(r0)
	e1x, e1y := cx+r*math.Cos(r1), cy+r*math.Sin(r1)
	return func(x, y float64) float64 {
		a := math.Atan2(y-cy, x-cx)
		for a < r0 {
			a += 2 * math.Pi
		}
		if a <= r1 {
			return math.Abs(math.Hypot(x-cx, y-cy)-r) - w/2
		}
		d := math.Min(math.Hypot(x-e0x, y-e0y), math.Hypot(x-e1x, y-e1y))
		return d - w/2
	}
}

// roundRect is a filled rectangle centred on (cx, cy) with half extents
// hw, hh and corner radius rad.
func roundRect(cx, cy, hw, hh, rad float64) shape {
	return func(x, y float64) float64 {
		qx := math.Abs(x-cx) - hw + rad
		qy := math.Abs(y-cy) - hh + rad
		out := math.Hypot(math.Max(qx, 0), math.Max(qy, 0))
		return out + math.Min(math.Max(qx, qy), 0) - rad
	}
}

// rect is an axis-aligned filled rectangle from (x0, y0) to (x1, y1).
func rect(x0, y0, x1, y1 float64) shape {
	return roundRect((x0+x1)/2, (y0+y1)/2, (x1-x0)/2, (y1-y0)/2, 0)
}

// outline turns a filled shape into a stroke of width w centred on its edge.
func outline(s shape, w float64) shape {
	return func(x, y float64) float64 {
		return math.Abs(s(x, y)) - w/2
	}
}

func union(ss ...shape) shape {
	return func(x, y float64) float64 {
		d := math.Inf(1)
		for _, s := range ss {
			d = math.Min(d, s(x, y))
		}
		return d
	}
}

// minus removes b from a.
func minus(a, b shape) shape {
	return func(x, y float64) float64 {
		return math.Max(a(x, y), -b(x, y))
	}
}

// rotate rotates a shape by deg degrees around (cx, cy).
func rotate(s shape, cx, cy, deg float64) shape {
	rad := -deg * math.Pi / 180
	c, sn := math.Cos(rad), math.Sin(rad)
	return func(x, y float64) float64 {
		dx, dy := x-cx, y-cy
		return s(cx+dx*c-dy*sn, cy+dx*sn+dy*c)
	}
}
