@testable import EdgeAgent
import Testing

@Suite struct GeometryTests {
    let square = Polygon(points: [Point(x: 0.2, y: 0.2), Point(x: 0.8, y: 0.2), Point(x: 0.8, y: 0.8), Point(x: 0.2, y: 0.8)])

    @Test func polygon_containsAndArea() {
        #expect(square.contains(Point(x: 0.5, y: 0.5)))
        #expect(!square.contains(Point(x: 0.1, y: 0.5)))
        #expect(abs(square.area - 0.36) < 1e-9)
        #expect(square.selfIntersection == nil)
    }

    @Test func bowtie_isSelfIntersecting() {
        let bowtie = Polygon(points: [Point(x: 0, y: 0), Point(x: 1, y: 1), Point(x: 1, y: 0), Point(x: 0, y: 1)])
        #expect(bowtie.selfIntersection != nil)
    }

    @Test func segment_sideAndCrossing() {
        let line = Segment(Point(x: 0.5, y: 0), Point(x: 0.5, y: 1))  // pointing down the image
        // Screen-left is the right-hand side of a walker heading down the image: side > 0.
        #expect(line.side(of: Point(x: 0.2, y: 0.5)) > 0)
        #expect(line.side(of: Point(x: 0.2, y: 0.5)) * line.side(of: Point(x: 0.8, y: 0.5)) < 0)
        #expect(Segment(Point(x: 0.2, y: 0.5), Point(x: 0.8, y: 0.5)).intersects(line))
        #expect(!Segment(Point(x: 0.2, y: 0.5), Point(x: 0.4, y: 0.5)).intersects(line))
    }

    @Test func iou_ofIdenticalDisjointAndHalf() {
        let a = Rect(x: 0, y: 0, width: 0.2, height: 0.2)
        #expect(a.intersectionOverUnion(a) == 1)
        #expect(a.intersectionOverUnion(Rect(x: 0.5, y: 0.5, width: 0.1, height: 0.1)) == 0)
        #expect(abs(a.intersectionOverUnion(Rect(x: 0.1, y: 0, width: 0.2, height: 0.2)) - 1.0 / 3.0) < 1e-9)
    }
}

@Suite struct BlobExtractorTests {
    @Test func twoSeparateRegions_areTwoBlobs_andFragmentsMerge() {
        let w = 40, h = 20
        var mask = [UInt8](repeating: 0, count: w * h)
        func box(_ x0: Int, _ y0: Int, _ x1: Int, _ y1: Int) { for y in y0...y1 { for x in x0...x1 { mask[y * w + x] = 1 } } }
        box(2, 2, 6, 8)
        box(7, 10, 9, 12)  // one cell from the first after dilation: merges
        box(25, 5, 30, 15)
        box(38, 0, 38, 0)  // a lone cell: too small
        var extractor = BlobExtractor(width: w, height: h)
        let blobs = extractor.extract(mask: mask).sorted { $0.minX < $1.minX }
        #expect(blobs.count == 2)
        #expect(blobs[0].minX <= 2 && blobs[0].maxX >= 9)
        #expect(blobs[1].minX <= 25 && blobs[1].maxY >= 15)
    }
}

@Suite struct TrackerTests {
    func detection(_ x: Double, _ y: Double) -> Detection {
        Detection(rect: Rect(x: x, y: y, width: 0.05, height: 0.2), objectClass: .person, confidence: 0.8)
    }

    @Test func movingObject_keepsItsID_andIsConfirmedAfterMinHits() {
        var tracker = Tracker()
        for i in 0..<10 {
            tracker.update([detection(0.1 + Double(i) * 0.02, 0.5)], timeMs: Int64(i) * 200)
            #expect(tracker.tracks.count == 1)
            #expect(tracker.tracks[0].confirmed == (i >= 2))
        }
        #expect(tracker.tracks[0].id == 1)
        #expect(abs(tracker.tracks[0].velocity.x - 0.02) < 0.005)
    }

    @Test func shortOcclusion_keepsTheID_longOneEndsTheTrack() {
        var tracker = Tracker()
        for i in 0..<5 { tracker.update([detection(0.1 + Double(i) * 0.02, 0.5)], timeMs: Int64(i) * 200) }
        for i in 5..<10 { tracker.update([], timeMs: Int64(i) * 200) }  // hidden for 5 frames
        tracker.update([detection(0.1 + 10 * 0.02, 0.5)], timeMs: 2000)
        #expect(tracker.tracks.map(\.id) == [1])
        for i in 11..<30 { tracker.update([], timeMs: Int64(i) * 200) }
        #expect(tracker.tracks.isEmpty)
    }

    @Test func unconfirmedNoise_neverBecomesATrack() {
        var tracker = Tracker()
        for i in 0..<20 {
            let x = Double((i * 37) % 17) / 20
            tracker.update([detection(x, Double((i * 11) % 7) / 10)], timeMs: Int64(i) * 200)
        }
        #expect(!tracker.tracks.contains { $0.confirmed })
    }
}
