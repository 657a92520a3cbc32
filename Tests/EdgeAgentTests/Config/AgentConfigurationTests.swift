@testable import EdgeAgent
import Foundation
import Shared
import Testing

/// The agent's camera and analytics config: valid files decode; bad geometry is refused with
/// file, line and key path.
@Suite struct AgentConfigurationTests {
    func load(_ yaml: String) throws(ConfigError) -> AgentConfiguration {
        try ConfigLoader.decode(AgentConfiguration.self, yaml: yaml, file: "agent.yaml")
    }

    func error(_ yaml: String) -> ConfigError? {
        #expect(throws: ConfigError.self) { try load(yaml) }
    }

    static let valid = """
        agent_id: agent-river-north
        cameras:
          - id: cam-quay
            source: rtsp://10.1.2.3/stream1
            detect: {width: 640, height: 360, fps: 5}
            zones:
              - name: quay
                polygon: [[0.1, 0.4], [0.9, 0.4], [0.9, 0.95], [0.1, 0.95]]
                intrusion: {classes: [person]}
                loitering: {after_s: 60}
                crowd: {min_count: 12}
            lines:
              - name: bridge
                from: [0.5, 0.3]
                to: [0.5, 0.98]
            water_gauges:
              - name: gauge-1
                region: [0.45, 0.1, 0.08, 0.8]
                calibration: [{y: 0.9, cm: 0}, {y: 0.1, cm: 400}]
                threshold_cm: 250
            smoke: true
            severities: {intrusion: critical}
        """

    @Test func validFile_decodes() throws {
        let config = try load(Self.valid)
        let camera = try #require(config.cameras.first)
        #expect(camera.id == "cam-quay")
        #expect(camera.detect.width == 640)
        let rules = camera.pipeline.rules
        #expect(rules.zones.map(\.name) == ["quay"])
        #expect(rules.zones[0].intrusion?.classes == [.person])
        #expect(rules.zones[0].loitering?.seconds == 60)
        #expect(rules.zones[0].crowd?.minCount == 12)
        #expect(rules.lines.first?.name == "bridge")
        #expect(rules.gauges.first?.centimetres(atY: 0.5) == 200)
        #expect(rules.smokeFire.smoke && !rules.smokeFire.fire)
        #expect(camera.pipeline.events.severities[.intrusion] == .critical)
    }

    @Test func pointOutOfRange_namesLineAndKey() {
        let e = error(Self.valid.replacingOccurrences(of: "[0.9, 0.4], [0.9, 0.95]", with: "[1.4, 0.4], [0.9, 0.95]"))
        #expect(e?.keyPath == "cameras[0].zones[0].polygon[1]")
        #expect(e?.line == 8)
        #expect(e?.message.contains("0...1") == true)
    }

    @Test func selfIntersectingPolygon_isRefused() {
        let e = error(Self.valid.replacingOccurrences(
            of: "[[0.1, 0.4], [0.9, 0.4], [0.9, 0.95], [0.1, 0.95]]", with: "[[0.1, 0.4], [0.9, 0.95], [0.9, 0.4], [0.1, 0.95]]"))
        #expect(e?.keyPath == "cameras[0].zones[0].polygon")
        #expect(e?.line == 8)
        #expect(e?.message.contains("intersects itself") == true)
    }

    @Test func unknownClass_andUnknownKey_andDuplicateName_areRefused() {
        #expect(error(Self.valid.replacingOccurrences(of: "classes: [person]", with: "classes: [dragon]"))?.message.contains("dragon") == true)
        let typo = error(Self.valid.replacingOccurrences(of: "loitering: {after_s: 60}", with: "loitering: {afer_s: 60}"))
        #expect(typo?.keyPath.hasPrefix("cameras[0].zones[0].loitering") == true)
        let duplicate = error(Self.valid.replacingOccurrences(of: "name: bridge", with: "name: quay"))
        #expect(duplicate?.message.contains("duplicate") == true)
        #expect(duplicate?.keyPath == "cameras[0].lines[0].name")
    }

    @Test func badDetectSize_andGauge_areRefused() {
        #expect(error(Self.valid.replacingOccurrences(of: "width: 640", with: "width: 641"))?.keyPath == "cameras[0].detect.width")
        let gauge = error(Self.valid.replacingOccurrences(of: "{y: 0.1, cm: 400}", with: "{y: 0.9, cm: 400}"))
        #expect(gauge?.keyPath == "cameras[0].water_gauges[0].calibration")
    }

    @Test func withoutZones_theWholeFrameIsWatched() throws {
        let config = try load("agent_id: a\ncameras:\n  - id: c\n    source: file.mp4\n")
        #expect(config.cameras[0].pipeline.rules.zones.map(\.name) == ["frame"])
    }
}
