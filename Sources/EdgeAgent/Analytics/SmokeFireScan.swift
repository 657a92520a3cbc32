import CVisionKernels

/// The per-check pixel work of `SmokeFireAnalytics`, on a lattice of samples: every other chroma
/// sample in each direction (a quarter of them: shares and flicker are ratios, and a quarter
/// measures them as well at a quarter of the cost). State per sample is stored compactly (sample
/// row × sample column) so that the C kernel's loop over a row vectorises.
///
/// Per sample at chroma (2r, 2c), luma (4r, 4c):
/// - flame: luma > 150, Cr > 150, Cb < 115, Cr − Cb > 45; flicker when this differs from the
///   previous check;
/// - smoke: grey (|Cb − 128| + |Cr − 128| < 18), brighter than the slow background by 10...90, and
///   no more textured (against the next sample to the right) than the background is;
/// - background ← background + (luma − background) / 64.
struct SmokeFireScan {
    struct Counts: Equatable {
        var samples = 0
        var flame = 0
        var flicker = 0
        var smoke = 0
    }

    let width: Int
    let rows: Int
    let columns: Int
    private var background: [UInt8]
    private var previousFlame: [UInt8]
    private var learned = false

    /// For frames of `width` × `height` (the camera's detect size; the pipeline drops others).
    init(width: Int, height: Int) {
        self.width = width
        rows = height / 4
        columns = width / 4
        background = [UInt8](repeating: 0, count: rows * columns)
        previousFlame = background
    }

    /// Scans one frame (4:2:0 chroma planes of the scan's size) and updates the state; nil for
    /// the first frame, which only sets the background, and when the frame is too small to scan.
    mutating func scan(luma: [UInt8], cb: [UInt8], cr: [UInt8]) -> Counts? {
        let rows = rows, columns = columns, width = width, cw = width / 2
        guard rows >= 1, columns >= 2 else { return nil }
        guard learned else {
            for j in 0..<(rows * columns) { background[j] = luma[(j / columns) * 4 * width + (j % columns) * 4] }
            learned = true
            return nil
        }
        // The last sample column only serves as the texture neighbour of the one before it.
        let counted = columns - 1
        var sums = cw_smoke_fire_counts()
        luma.withUnsafeBufferPointer { y in
            cb.withUnsafeBufferPointer { u in
                cr.withUnsafeBufferPointer { v in
                    background.withUnsafeMutableBufferPointer { bg in
                        previousFlame.withUnsafeMutableBufferPointer { previous in
                            guard let y = y.baseAddress, let u = u.baseAddress, let v = v.baseAddress,
                                  let bg = bg.baseAddress, let previous = previous.baseAddress else { return }
                            for r in 0..<rows {
                                cw_smoke_fire_row(
                                    y + 4 * r * width, u + 2 * r * cw, v + 2 * r * cw,
                                    bg + r * columns, previous + r * columns, counted, &sums)
                            }
                        }
                    }
                }
            }
        }
        return Counts(samples: rows * counted, flame: sums.flame, flicker: sums.flicker, smoke: sums.smoke)
    }
}
