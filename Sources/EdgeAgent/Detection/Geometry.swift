/// A point in normalised frame coordinates (0,0 top-left, 1,1 bottom-right).
struct Point: Sendable, Hashable {
    var x: Double
    var y: Double
}

/// An axis-aligned rectangle in normalised coordinates.
struct Rect: Sendable, Hashable {
    var x: Double
    var y: Double
    var width: Double
    var height: Double

    var center: Point { Point(x: x + width / 2, y: y + height / 2) }
    /// Where the object touches the ground: zones and lines test this point for tracked objects.
    var bottomCenter: Point { Point(x: x + width / 2, y: y + height) }
    var area: Double { width * height }
    var maxX: Double { x + width }
    var maxY: Double { y + height }

    func intersectionArea(_ other: Rect) -> Double {
        max(0, min(maxX, other.maxX) - max(x, other.x)) * max(0, min(maxY, other.maxY) - max(y, other.y))
    }

    func intersectionOverUnion(_ other: Rect) -> Double {
        let intersection = intersectionArea(other)
        let union = area + other.area - intersection
        return union > 0 ? intersection / union : 0
    }

}

/// A simple polygon in normalised coordinates (zones, masks).
struct Polygon: Sendable, Hashable {
    let points: [Point]

    /// Even-odd ray casting.
    func contains(_ p: Point) -> Bool {
        var inside = false
        var j = points.count - 1
        for i in 0..<points.count {
            let a = points[i], b = points[j]
            if (a.y > p.y) != (b.y > p.y), p.x < (b.x - a.x) * (p.y - a.y) / (b.y - a.y) + a.x {
                inside.toggle()
            }
            j = i
        }
        return inside
    }

    /// Shoelace area (absolute).
    var area: Double {
        var sum = 0.0
        var j = points.count - 1
        for i in 0..<points.count {
            sum += (points[j].x + points[i].x) * (points[j].y - points[i].y)
            j = i
        }
        return abs(sum) / 2
    }

    /// The first pair of non-adjacent edges that cross, as edge indexes, or nil for a simple polygon.
    var selfIntersection: (Int, Int)? {
        let n = points.count
        guard n > 3 else { return nil }
        for i in 0..<n {
            for j in (i + 1)..<n where j != i + 1 && !(i == 0 && j == n - 1) {
                if Segment(points[i], points[(i + 1) % n]).intersects(Segment(points[j], points[(j + 1) % n])) {
                    return (i, j)
                }
            }
        }
        return nil
    }
}

/// A line segment (tripwires, polygon edges).
struct Segment: Sendable, Hashable {
    let a: Point
    let b: Point

    init(_ a: Point, _ b: Point) {
        self.a = a
        self.b = b
    }

    /// > 0 when `p` is on the right of a→b as seen in the image (y down), < 0 on its left.
    func side(of p: Point) -> Double {
        (b.x - a.x) * (p.y - a.y) - (b.y - a.y) * (p.x - a.x)
    }

    /// Whether moving along `path` crosses this tripwire. Points exactly on the line count as on
    /// its right (sides are half-open), so a path that stops on the line and goes on is counted
    /// once: quantised positions land on lines often.
    func isCrossed(by path: Segment) -> Bool {
        guard (side(of: path.a) >= 0) != (side(of: path.b) >= 0) else { return false }
        let e1 = path.side(of: a), e2 = path.side(of: b)
        return e1 == 0 || e2 == 0 || (e1 > 0) != (e2 > 0)
    }

    /// Proper crossing of two segments (touching endpoints do not count).
    func intersects(_ o: Segment) -> Bool {
        let d1 = o.side(of: a), d2 = o.side(of: b), d3 = side(of: o.a), d4 = side(of: o.b)
        return ((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0))
    }
}
