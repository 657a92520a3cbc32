import Foundation
import Shared

/// Renders a `SyntheticScene` frame by frame (luma and 4:2:0 chroma). Deterministic: frame `i`
/// is the same on every run and machine.
struct SceneRenderer {
    let scene: SyntheticScene
    private let backgroundLuma: [UInt8]
    private let backgroundCb: [UInt8]
    private let backgroundCr: [UInt8]

    init(scene: SyntheticScene) {
        self.scene = scene
        let w = scene.width, h = scene.height
        var luma = [UInt8](repeating: 0, count: w * h)
        var random = SplitMix64(seed: scene.seed)
        // Static texture: a vertical gradient, 2×2 grain, and "buildings" (vertical edges).
        var grain = [UInt8](repeating: 0, count: (w / 2 + 1) * (h / 2 + 1))
        for i in grain.indices { grain[i] = UInt8.random(in: 0...28, using: &random) }
        for y in 0..<h {
            for x in 0..<w {
                var v = 70 + 50 * y / max(h, 1) + Int(grain[(y / 2) * (w / 2 + 1) + x / 2])
                if (x / 24) % 3 == 0 && y < h / 2 { v += 30 }
                luma[y * w + x] = UInt8(clamping: v)
            }
        }
        backgroundLuma = luma
        backgroundCb = [UInt8](repeating: 124, count: (w / 2) * (h / 2))
        backgroundCr = [UInt8](repeating: 130, count: (w / 2) * (h / 2))
    }

    func render(frame i: Int) -> Frame {
        let w = scene.width, h = scene.height
        var luma = backgroundLuma
        var cb = backgroundCb
        var cr = backgroundCr
        var random = SplitMix64(seed: scene.seed &+ UInt64(i) &* 0x9E37_79B9)
        for effect in scene.effects {
            if case .waterGauge(let region, let startY, let endY, let over) = effect {
                let t = min(1, Double(i) / Double(max(over, 1)))
                drawGauge(region: region, waterY: startY + (endY - startY) * t, luma: &luma)
            }
        }
        for actor in scene.actors {
            // A background actor stands at its first keyframe from the start until its last (its removal).
            let rect = actor.isBackground
                ? (i <= (actor.path.last?.frame ?? 0) ? actor.rect(at: actor.path.first?.frame ?? 0) : nil)
                : actor.rect(at: i)
            guard let rect else { continue }
            draw(actor, rect: rect, luma: &luma, cb: &cb, cr: &cr)
        }
        for effect in scene.effects {
            switch effect {
            case .occluder(let region, let value):
                fill(region, value: value, luma: &luma)
            case .foliage(let region, let amplitude, let period):
                foliage(region, amplitude: amplitude, period: period, frame: i, luma: &luma)
            case .smoke(let origin, let from, let growth) where i >= from:
                smoke(origin: origin, radius: growth * Double(i - from), luma: &luma, cb: &cb, cr: &cr)
            case .fire(let region, let from) where i >= from:
                fire(region, random: &random, luma: &luma, cb: &cb, cr: &cr)
            case .rain(let streaks):
                for _ in 0..<streaks {
                    let x = Int.random(in: 0..<w, using: &random), y0 = Int.random(in: 0..<h, using: &random)
                    for y in y0..<min(h, y0 + Int.random(in: 4...9, using: &random)) {
                        luma[y * w + x] = UInt8(clamping: Int(luma[y * w + x]) + 70)
                    }
                }
            default:
                break
            }
        }
        for effect in scene.effects {
            switch effect {
            case .shift(let dx, let dy, let from) where i >= from:
                luma = shifted(luma, dx: dx, dy: dy)
            case .brightness(let delta, let from, let until) where i >= from && (until.map { i < $0 } ?? true):
                for k in luma.indices { luma[k] = UInt8(clamping: Int(luma[k]) + delta) }
            default:
                break
            }
        }
        for effect in scene.effects {
            switch effect {
            case .defocus(let radius, let from) where i >= from:
                luma = blurred(luma, radius: radius)
            case .noise(let amplitude):
                for k in luma.indices {
                    luma[k] = UInt8(clamping: Int(luma[k]) + Int.random(in: -amplitude...amplitude, using: &random))
                }
            case .cover(let from) where i >= from:
                for k in luma.indices { luma[k] = UInt8(18 + Int.random(in: 0...2, using: &random)) }
                for k in cb.indices { cb[k] = 128; cr[k] = 128 }
            default:
                break
            }
        }
        return Frame(width: w, height: h, luma: luma, chroma: ChromaPlanes(cb: cb, cr: cr), index: i, captureTimeMs: scene.timeMs(ofFrame: i))
    }

    private func pixelBounds(_ r: Rect) -> (Int, Int, Int, Int) {
        let w = scene.width, h = scene.height
        return (max(0, Int(r.x * Double(w))), max(0, Int(r.y * Double(h))), min(w, Int((r.maxX * Double(w)).rounded(.up))),
                min(h, Int((r.maxY * Double(h)).rounded(.up))))
    }

    private func draw(_ actor: SceneActor, rect: Rect, luma: inout [UInt8], cb: inout [UInt8], cr: inout [UInt8]) {
        let (x0, y0, x1, y1) = pixelBounds(rect)
        let w = scene.width
        let cx = Double(x0 + x1) / 2, cy = Double(y0 + y1) / 2
        let rx = max(1, Double(x1 - x0) / 2), ry = max(1, Double(y1 - y0) / 2)
        guard x1 > x0, y1 > y0 else { return }
        for y in y0..<y1 {
            for x in x0..<x1 {
                if actor.shape == .ellipse {
                    let dx = (Double(x) + 0.5 - cx) / rx, dy = (Double(y) + 0.5 - cy) / ry
                    if dx * dx + dy * dy > 1 { continue }
                }
                // A little internal texture keeps blobs realistic.
                luma[y * w + x] = UInt8(clamping: Int(actor.luma) + ((x + y) % 5) * 3 - 6)
                let ci = (y / 2) * (w / 2) + min(x / 2, w / 2 - 1)
                if ci < cb.count {
                    cb[ci] = actor.cb
                    cr[ci] = actor.cr
                }
            }
        }
    }

    private func fill(_ region: Rect, value: UInt8, luma: inout [UInt8]) {
        let (x0, y0, x1, y1) = pixelBounds(region)
        for y in y0..<max(y0, y1) { for x in x0..<max(x0, x1) { luma[y * scene.width + x] = value } }
    }

    private func drawGauge(region: Rect, waterY: Double, luma: inout [UInt8]) {
        let (x0, y0, x1, y1) = pixelBounds(region)
        let waterRow = Int(waterY * Double(scene.height))
        let tick = max(3, (y1 - y0) / 20)
        for y in y0..<max(y0, y1) {
            for x in x0..<max(x0, x1) {
                let v: Int
                if y >= waterRow {
                    v = 55 + ((x + y) % 7)
                } else {
                    v = (y - y0) % tick < 1 && x < (x0 + x1) / 2 ? 40 : 215
                }
                luma[y * scene.width + x] = UInt8(clamping: v)
            }
        }
    }

    private func foliage(_ region: Rect, amplitude: Int, period: Double, frame: Int, luma: inout [UInt8]) {
        let (x0, y0, x1, y1) = pixelBounds(region)
        for y in y0..<max(y0, y1) {
            for x in x0..<max(x0, x1) {
                let phase = Double((x / 3) * 7 + (y / 3) * 13)
                let s = sin(2 * Double.pi * (Double(frame) / period) + phase)
                luma[y * scene.width + x] = UInt8(clamping: 90 + ((x / 3 + y / 3) % 3) * 15 + Int(Double(amplitude) * s))
            }
        }
    }

    private func smoke(origin: Point, radius: Double, luma: inout [UInt8], cb: inout [UInt8], cr: inout [UInt8]) {
        guard radius > 0 else { return }
        let w = scene.width, h = scene.height
        let region = Rect(x: origin.x - radius, y: origin.y - radius * 1.6, width: radius * 2, height: radius * 1.8)
        let (x0, y0, x1, y1) = pixelBounds(region)
        let c = region.center
        for y in y0..<max(y0, y1) {
            for x in x0..<max(x0, x1) {
                let dx = (Double(x) / Double(w) - c.x) / (region.width / 2)
                let dy = (Double(y) / Double(h) - c.y) / (region.height / 2)
                guard dx * dx + dy * dy <= 1 else { continue }
                luma[y * w + x] = UInt8(clamping: (Int(luma[y * w + x]) + 2 * 175) / 3)
                let ci = (y / 2) * (w / 2) + min(x / 2, w / 2 - 1)
                if ci < cb.count { cb[ci] = 128; cr[ci] = 129 }
            }
        }
    }

    private func fire(_ region: Rect, random: inout SplitMix64, luma: inout [UInt8], cb: inout [UInt8], cr: inout [UInt8]) {
        let (x0, y0, x1, y1) = pixelBounds(region)
        let w = scene.width
        var by = y0
        while by < y1 {
            var bx = x0
            while bx < x1 {
                let lit = Int.random(in: 0..<10, using: &random) < 7
                for y in by..<min(y1, by + 4) {
                    for x in bx..<min(x1, bx + 4) {
                        luma[y * w + x] = lit ? UInt8.random(in: 200...250, using: &random) : 120
                        let ci = (y / 2) * (w / 2) + min(x / 2, w / 2 - 1)
                        if ci < cb.count {
                            cb[ci] = lit ? 80 : 124
                            cr[ci] = lit ? 195 : 130
                        }
                    }
                }
                bx += 4
            }
            by += 4
        }
    }

    private func shifted(_ luma: [UInt8], dx: Int, dy: Int) -> [UInt8] {
        let w = scene.width, h = scene.height
        var out = [UInt8](repeating: 100, count: luma.count)
        for y in 0..<h {
            let sy = y - dy
            guard sy >= 0, sy < h else { continue }
            for x in 0..<w {
                let sx = x - dx
                if sx >= 0, sx < w { out[y * w + x] = luma[sy * w + sx] }
            }
        }
        return out
    }

    /// Separable box blur: a horizontal pass, then a vertical one.
    private func blurred(_ luma: [UInt8], radius: Int) -> [UInt8] {
        let w = scene.width, h = scene.height
        let horizontal = boxPass(luma, lines: h, length: w, step: 1, lineStride: w, radius: radius)
        return boxPass(horizontal, lines: w, length: h, step: w, lineStride: 1, radius: radius)
    }

    /// Averages ±`radius` samples along each line (`length` samples `step` apart; lines
    /// `lineStride` apart).
    private func boxPass(_ input: [UInt8], lines: Int, length: Int, step: Int, lineStride: Int, radius: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: input.count)
        for line in 0..<lines {
            for i in 0..<length {
                var sum = 0, n = 0
                for k in max(0, i - radius)...min(length - 1, i + radius) {
                    sum += Int(input[line * lineStride + k * step])
                    n += 1
                }
                out[line * lineStride + i * step] = UInt8(sum / n)
            }
        }
        return out
    }
}
