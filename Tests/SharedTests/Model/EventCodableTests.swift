import Foundation
import Shared
import Testing

@Suite struct EventCodableTests {
    @Test func json_roundTripsEveryField() throws {
        let event = Event.stub(attributes: ["count": 7, "level": 1.25, "ok": true, "dir": "in"])
        let data = try JSONEncoder().encode(event)
        let back = try JSONDecoder().decode(Event.self, from: data)
        #expect(back == event)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(object["event_id"] as? Int == 1)
        #expect(object["camera_id"] as? String == "cam-1")
        #expect(object["kind"] as? String == "intrusion")
        #expect(object["box"] as? [Double] == [0.25, 0.5, 0.1, 0.2])
    }

    /// JSON cannot tell 4 from 4.0; documented attributes get their registered type back.
    @Test func json_restoresRegisteredAttributeTypes() throws {
        let event = Event(id: 1, cameraID: "c", kind: .loitering, captureTimeMs: 5, attributes: ["dwell_s": .double(4), "extra": .int(4)])
        let back = try JSONDecoder().decode(Event.self, from: try JSONEncoder().encode(event))
        #expect(back.attributes["dwell_s"] == .double(4))
        #expect(back.attributes["extra"] == .int(4))
        #expect(back == event)
    }

    @Test func json_refusesConfidenceOutsideUnitInterval() {
        let text = #"{"event_id":1,"camera_id":"c","kind":"fire","capture_time_ms":5,"confidence":1.5}"#
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(Event.self, from: Data(text.utf8)) }
    }

    @Test func boxAndConfidence_areQuantisedToWirePrecision() {
        let box = BoundingBox(x: 0.123456, y: 1.2, width: 0.5, height: -1)
        #expect(box.xUnits == 1235)
        #expect(box.yUnits == 10_000)
        #expect(box.heightUnits == 0)
        #expect(BoundingBox(x: 0.8, y: 0, width: 0.5, height: 0.1).widthUnits == 2000)  // clamped to the frame
        #expect(Confidence(0.8764).permille == 876)
        #expect(Confidence(.nan).permille == 0)
    }
}
