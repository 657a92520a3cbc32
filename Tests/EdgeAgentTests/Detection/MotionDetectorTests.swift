@testable import EdgeAgent
import Shared
import Testing

@Suite struct MotionDetectorTests {
    /// The grid is the box average of each cell, whichever path computes it: the 4×4 SIMD path,
    /// its row tail (a width that is not a multiple of 16 pixels), and the generic path.
    @Test(arguments: [(644, 180, 4), (640, 360, 4), (36, 20, 4), (321, 99, 3), (640, 360, 8), (50, 30, 2)])
    func grid_isTheBoxAverageOfEachCell(width: Int, height: Int, cell: Int) {
        var rng = SplitMix64(seed: UInt64(width * 1000 + height * 10 + cell))
        let luma = (0..<(width * height)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        var configuration = MotionDetector.Configuration()
        configuration.cellSize = cell
        configuration.contrastStretch = false
        var detector = MotionDetector(width: width, height: height, configuration: configuration)
        detector.process(luma: luma)
        var mismatches = 0
        for gy in 0..<detector.gridHeight {
            for gx in 0..<detector.gridWidth {
                var sum = 0
                for y in 0..<cell {
                    for x in 0..<cell { sum += Int(luma[(gy * cell + y) * width + gx * cell + x]) }
                }
                if detector.grid[gy * detector.gridWidth + gx] != UInt8(sum / (cell * cell)) { mismatches += 1 }
            }
        }
        #expect(mismatches == 0)
        #expect(detector.gridWidth == width / cell)
    }

    /// Threshold, activity and background adaptation follow the plain per-cell rules on every
    /// cell, whether the 16-cell vector path or the scalar remainder computed it (a 644-pixel
    /// width gives 161 cells per row, so rows straddle vector steps).
    @Test func thresholdAndAdaptation_followThePlainRules() {
        let width = 644, height = 96
        var configuration = MotionDetector.Configuration()
        configuration.contrastStretch = false
        configuration.warmupFrames = 0
        var detector = MotionDetector(width: width, height: height, configuration: configuration)
        var rng = SplitMix64(seed: 7)
        let base = (0..<(width * height)).map { _ in UInt8(60 + rng.next() % 100) }
        var movedCells = 0
        for frame in 0..<40 {
            var luma = base
            // A few bright and dark patches that move from frame to frame (well under half the frame).
            for _ in 0..<6 {
                let x0 = Int(rng.next() % UInt64(width - 40)), y0 = Int(rng.next() % UInt64(height - 20))
                let value = UInt8(rng.next() % 2 == 0 ? 250 : 5)
                for y in y0..<(y0 + 20) { for x in x0..<(x0 + 40) { luma[y * width + x] = value } }
            }
            let background = detector.background, activity = detector.activity
            let global = detector.process(luma: luma)
            guard frame > 0, !global else { continue }
            var maskErrors = 0, activityErrors = 0, backgroundErrors = 0
            for i in 0..<detector.grid.count {
                let diff = abs(Int(detector.grid[i]) - Int(background[i] >> 8))
                let moved = diff > configuration.threshold + max(0, Int(activity[i]) - 100) / 2
                if (detector.mask[i] != 0) != moved { maskErrors += 1 }
                let a = Int(activity[i])
                if Int(detector.activity[i]) != a + (((moved ? 255 : 0) - a) >> 4) { activityErrors += 1 }
                let target = Int(detector.grid[i]) << 8, current = Int(background[i])
                let step = (target - current) >> (moved ? 10 : 5)
                let expected = current + (step != 0 ? step : target > current ? 1 : target < current ? -1 : 0)
                if Int(detector.background[i]) != expected { backgroundErrors += 1 }
                if moved { movedCells += 1 }
            }
            #expect(maskErrors == 0 && activityErrors == 0 && backgroundErrors == 0, "frame \(frame)")
        }
        #expect(movedCells > 0)
    }
}
