import CVisionKernels

/// Whole-frame measurements that tamper detection needs, computed on a subsample of the luma plane
/// (every other row and column: a quarter of the pixels, plenty for global statistics).
struct FrameStatistics: Sendable {
    var mean = 0.0
    var standardDeviation = 0.0
    /// Mean absolute difference to the pixels two to the right and two below: falls when the
    /// image defocuses.
    var sharpness = 0.0

    static func measure(_ frame: Frame) -> FrameStatistics {
        var sums = cw_frame_sums()
        frame.luma.withUnsafeBufferPointer { cw_frame_sums_measure($0.baseAddress, frame.width, frame.height, &sums) }
        guard sums.count > 0 else { return FrameStatistics() }
        let n = Double(sums.count)
        let mean = Double(sums.sum) / n
        let variance = max(0, Double(sums.sum_squares) / n - mean * mean)
        return FrameStatistics(mean: mean, standardDeviation: variance.squareRoot(), sharpness: Double(sums.gradient) / n)
    }
}

/// A tiny normalised thumbnail (zero mean, unit variance) for comparing views: correlation with
/// it is blind to brightness and contrast changes (lights, exposure) but not to a new viewpoint.
struct ViewSignature: Sendable {
    static let columns = 32
    static let rows = 18
    private(set) var values = [Double](repeating: 0, count: columns * rows)

    init(_ frame: Frame) {
        let cw = max(1, frame.width / Self.columns), ch = max(1, frame.height / Self.rows)
        frame.luma.withUnsafeBufferPointer { y in
            for r in 0..<Self.rows {
                for c in 0..<Self.columns {
                    var sum = 0
                    // Sample a 4×4 lattice inside each cell: enough for a thumbnail.
                    for sy in 0..<4 {
                        let row = min(frame.height - 1, r * ch + sy * ch / 4)
                        for sx in 0..<4 {
                            sum += Int(y[row * frame.width + min(frame.width - 1, c * cw + sx * cw / 4)])
                        }
                    }
                    values[r * Self.columns + c] = Double(sum) / 16
                }
            }
        }
        normalise()
    }

    private mutating func normalise() {
        let mean = values.reduce(0, +) / Double(values.count)
        let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count)
        let sd = max(variance.squareRoot(), 1e-6)
        for i in values.indices { values[i] = (values[i] - mean) / sd }
    }

    /// Pearson correlation, −1...1.
    func correlation(_ other: ViewSignature) -> Double {
        var sum = 0.0
        for i in values.indices { sum += values[i] * other.values[i] }
        return sum / Double(values.count)
    }

    /// Blends towards `other` (slow reference updates), then renormalises.
    mutating func blend(_ other: ViewSignature, weight: Double) {
        for i in values.indices { values[i] += weight * (other.values[i] - values[i]) }
        normalise()
    }
}
