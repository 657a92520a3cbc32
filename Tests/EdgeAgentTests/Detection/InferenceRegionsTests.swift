@testable import EdgeAgent
import Testing

/// Which regions one frame's person candidates are sent to the detector in (no model needed).
@Suite struct InferenceRegionsTests {
    let grouping = InferenceRegions()
    // 640×360 frame; a person box 40×100 px.
    func person(x: Int, y: Int, height: Int = 100) -> Rect {
        Rect(x: Double(x) / 640, y: Double(y) / 360, width: Double(height) * 0.4 / 640, height: Double(height) / 360)
    }

    @Test func twoPeopleWalkingTogether_shareOneRegion_coveringBoth() {
        let a = person(x: 100, y: 100), b = person(x: 150, y: 105)
        let regions = grouping.regions(for: [a, b], frameWidth: 640, frameHeight: 360)
        #expect(regions.count == 1)
        #expect(regions.first?.members.sorted() == [0, 1])
        let r = regions[0].rect
        for p in [a, b] { #expect(r.x <= p.x && r.y <= p.y && r.maxX >= p.maxX && r.maxY >= p.maxY) }
    }

    @Test func peopleFarApart_getARegionEach() {
        let regions = grouping.regions(for: [person(x: 20, y: 100), person(x: 560, y: 120)], frameWidth: 640, frameHeight: 360)
        #expect(regions.count == 2)
        #expect(regions.map(\.members) == [[0], [1]])
    }

    @Test func aSmallPerson_isNotShrunkIntoABigRegion() {
        // A distant person (30 px) next to a near one (200 px): merged, the small one would be under
        // a third of the region's height.
        let regions = grouping.regions(for: [person(x: 200, y: 60, height: 200), person(x: 290, y: 200, height: 30)], frameWidth: 640, frameHeight: 360)
        #expect(regions.count == 2)
    }

    @Test func aGroupOfThree_isOneRegion_andMarginsStayInTheFrame() {
        let regions = grouping.regions(for: [person(x: 0, y: 0), person(x: 40, y: 10), person(x: 80, y: 5)], frameWidth: 640, frameHeight: 360)
        #expect(regions.count == 1)
        let r = regions[0].rect
        #expect(r.x >= 0 && r.y >= 0 && r.maxX <= 1 && r.maxY <= 1)
        #expect(regions[0].members.sorted() == [0, 1, 2])
    }

    @Test func noCandidates_noRegions() {
        #expect(grouping.regions(for: [], frameWidth: 640, frameHeight: 360).isEmpty)
    }
}
