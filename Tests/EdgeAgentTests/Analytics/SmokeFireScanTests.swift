@testable import EdgeAgent
import Shared
import Testing

@Suite struct SmokeFireScanTests {
    /// The rules written out plainly, one sample at a time, as the reference for the vector path.
    struct Reference {
        var background: [Int]
        var previous: [Int]
        let rows: Int, columns: Int

        init(width: Int, height: Int, luma: [UInt8]) {
            rows = height / 4
            columns = width / 4
            background = (0..<(rows * columns)).map { Int(luma[($0 / (width / 4)) * 4 * width + ($0 % (width / 4)) * 4]) }
            previous = [Int](repeating: 0, count: rows * columns)
        }

        mutating func scan(width: Int, luma: [UInt8], cb: [UInt8], cr: [UInt8]) -> SmokeFireScan.Counts {
            var counts = SmokeFireScan.Counts()
            let cw = width / 2
            for r in 0..<rows {
                for c in 0..<columns {
                    let j = r * columns + c
                    let y = Int(luma[4 * r * width + 4 * c]), b = background[j]
                    if c < columns - 1 {
                        let u = Int(cb[2 * r * cw + 2 * c]), v = Int(cr[2 * r * cw + 2 * c])
                        counts.samples += 1
                        let flame = y > 150 && v > 150 && u < 115 && v - u > 45 ? 1 : 0
                        counts.flame += flame
                        if flame != previous[j] { counts.flicker += 1 }
                        previous[j] = flame
                        let grey = abs(u - 128) + abs(v - 128) < 18
                        let veiled = (10...90).contains(y - b)
                        let flat = abs(y - Int(luma[4 * r * width + 4 * c + 4])) <= abs(b - background[j + 1])
                        if grey && veiled && flat { counts.smoke += 1 }
                    }
                    background[j] = b + (y - b) / 64
                }
            }
            return counts
        }
    }

    /// Frames mixing random pixels with flame-coloured, grey and dark patches, so that every
    /// condition is both true and false across the lanes; sizes exercise the vector path, its
    /// row tail and the scalar-only path.
    @Test(arguments: [(640, 360), (200, 100), (44, 20), (1280, 720)])
    func vectorPath_matchesThePlainRules(width: Int, height: Int) throws {
        var rng = SplitMix64(seed: UInt64(width * height))
        func frame(_ index: Int) -> (luma: [UInt8], cb: [UInt8], cr: [UInt8]) {
            let n = width * height, cn = (width / 2) * (height / 2)
            var luma = [UInt8](repeating: 0, count: n), cb = luma[..<cn].map { $0 }, cr = cb
            for i in 0..<n { luma[i] = UInt8(truncatingIfNeeded: rng.next()) }
            for i in 0..<cn {
                switch rng.next() % 4 {
                case 0: (cb[i], cr[i]) = (UInt8(90 + rng.next() % 30), UInt8(145 + rng.next() % 40))  // flame-ish
                case 1: (cb[i], cr[i]) = (UInt8(120 + rng.next() % 16), UInt8(120 + rng.next() % 16))  // grey-ish
                default: (cb[i], cr[i]) = (UInt8(truncatingIfNeeded: rng.next()), UInt8(truncatingIfNeeded: rng.next()))
                }
            }
            if index % 2 == 1 { for i in stride(from: 0, to: n, by: 3) { luma[i] = 200 } }
            return (luma, cb, cr)
        }
        let first = frame(0)
        var scan = SmokeFireScan(width: width, height: height)
        // The first frame only sets the background.
        let learning = scan.scan(luma: first.luma, cb: first.cb, cr: first.cr)
        #expect(learning == nil)
        var reference = Reference(width: width, height: height, luma: first.luma)
        var totals = SmokeFireScan.Counts()
        for index in 1...6 {
            let f = frame(index)
            let scanned = scan.scan(luma: f.luma, cb: f.cb, cr: f.cr)
            let got = try #require(scanned)
            let want = reference.scan(width: width, luma: f.luma, cb: f.cb, cr: f.cr)
            #expect(got == want, "frame \(index)")
            totals.flame += got.flame
            totals.flicker += got.flicker
            totals.smoke += got.smoke
        }
        // The frames do exercise every rule.
        #expect(totals.flame > 0 && totals.flicker > 0 && totals.smoke > 0)
    }
}
