@testable import EdgeAgent
import Foundation
import Shared
import Testing

@Suite struct FrameStatisticsTests {
    /// Mean, deviation and sharpness follow their definitions on the even-row, even-column
    /// lattice (odd sizes included, where the lattice stops two short of the edge).
    @Test(arguments: [(640, 360), (33, 17), (1280, 720), (4, 4)])
    func measure_followsTheDefinitions(width: Int, height: Int) {
        var rng = SplitMix64(seed: UInt64(width + height))
        let luma = (0..<(width * height)).map { i in UInt8(truncatingIfNeeded: (i % width) + Int(rng.next() % 64)) }
        var sum = 0.0, squares = 0.0, gradient = 0.0, n = 0.0
        for row in stride(from: 0, to: height - 2, by: 2) {
            for x in stride(from: 0, to: width - 2, by: 2) {
                let v = Double(luma[row * width + x])
                sum += v
                squares += v * v
                gradient += abs(v - Double(luma[row * width + x + 2])) + abs(v - Double(luma[(row + 2) * width + x]))
                n += 1
            }
        }
        let stats = FrameStatistics.measure(Frame(width: width, height: height, luma: luma, index: 0, captureTimeMs: 0))
        let mean = sum / n
        #expect(abs(stats.mean - mean) < 1e-9)
        #expect(abs(stats.standardDeviation - (squares / n - mean * mean).squareRoot()) < 1e-6)
        #expect(abs(stats.sharpness - gradient / n) < 1e-9)
        #expect(stats.sharpness > 0)
    }
}
