/// Draws a frame with its analytics overlaid: zones (yellow), lines (cyan), confirmed tracks
/// (green boxes with their ids).
struct SnapshotRenderer {
    let frame: Frame
    let rules: CameraRules
    let tracks: [Track]

    func render() -> [UInt8] {
        let w = frame.width, h = frame.height
        var rgb = [UInt8](repeating: 0, count: w * h * 3)
        for y in 0..<h {
            for x in 0..<w {
                let (r, g, b) = frame.rgb(x: x, y: y)
                let o = (y * w + x) * 3
                rgb[o] = r
                rgb[o + 1] = g
                rgb[o + 2] = b
            }
        }
        var canvas = Canvas(width: w, height: h, pixels: rgb)
        for zone in rules.zones {
            let points = zone.polygon.points
            for i in points.indices { canvas.line(points[i], points[(i + 1) % points.count], color: (255, 220, 0)) }
        }
        for line in rules.lines { canvas.line(line.segment.a, line.segment.b, color: (0, 220, 255)) }
        for track in tracks {
            let r = track.lastRect
            let corners = [Point(x: r.x, y: r.y), Point(x: r.maxX, y: r.y), Point(x: r.maxX, y: r.maxY), Point(x: r.x, y: r.maxY)]
            for i in 0..<4 { canvas.line(corners[i], corners[(i + 1) % 4], color: (0, 255, 0)) }
            canvas.text("\(track.id)", x: Int(r.x * Double(w)), y: max(0, Int(r.y * Double(h)) - 12), color: (0, 255, 0))
        }
        return canvas.pixels
    }
}

/// An RGB buffer with the few drawing operations snapshots need.
struct Canvas {
    let width: Int
    let height: Int
    var pixels: [UInt8]

    mutating func set(_ x: Int, _ y: Int, _ c: (UInt8, UInt8, UInt8)) {
        guard x >= 0, y >= 0, x < width, y < height else { return }
        let o = (y * width + x) * 3
        pixels[o] = c.0
        pixels[o + 1] = c.1
        pixels[o + 2] = c.2
    }

    mutating func line(_ a: Point, _ b: Point, color: (UInt8, UInt8, UInt8)) {
        let x0 = a.x * Double(width - 1), y0 = a.y * Double(height - 1)
        let x1 = b.x * Double(width - 1), y1 = b.y * Double(height - 1)
        let steps = max(1, Int(max(abs(x1 - x0), abs(y1 - y0))))
        for s in 0...steps {
            let t = Double(s) / Double(steps)
            set(Int(x0 + (x1 - x0) * t), Int(y0 + (y1 - y0) * t), color)
        }
    }

    /// 3×5 digits scaled ×2.
    mutating func text(_ s: String, x: Int, y: Int, color: (UInt8, UInt8, UInt8)) {
        let glyphs: [Character: [UInt16]] = [
            "0": [0b111, 0b101, 0b101, 0b101, 0b111], "1": [0b010, 0b110, 0b010, 0b010, 0b111],
            "2": [0b111, 0b001, 0b111, 0b100, 0b111], "3": [0b111, 0b001, 0b111, 0b001, 0b111],
            "4": [0b101, 0b101, 0b111, 0b001, 0b001], "5": [0b111, 0b100, 0b111, 0b001, 0b111],
            "6": [0b111, 0b100, 0b111, 0b101, 0b111], "7": [0b111, 0b001, 0b010, 0b010, 0b010],
            "8": [0b111, 0b101, 0b111, 0b101, 0b111], "9": [0b111, 0b101, 0b111, 0b001, 0b111],
        ]
        var cx = x
        for ch in s {
            guard let rows = glyphs[ch] else { continue }
            for (ry, bits) in rows.enumerated() {
                for rx in 0..<3 where bits & (1 << (2 - rx)) != 0 {
                    for dy in 0..<2 { for dx in 0..<2 { set(cx + rx * 2 + dx, y + ry * 2 + dy, color) } }
                }
            }
            cx += 8
        }
    }
}
