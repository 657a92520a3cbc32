import Foundation
import Shared
import Testing
import TestSupport

/// A config shaped like the agent's: nested mappings, lists, defaults, validation.
struct SampleConfig: Decodable, Equatable {
    struct Camera: Decodable, Equatable {
        var id: String
        var url: String
        var fps: Int
        var enabled: Bool
        var zones: [Zone]

        enum CodingKeys: String, CodingKey { case id, url, fps, enabled, zones }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            id = try c.decode(String.self, forKey: .id)
            url = try c.decode(String.self, forKey: .url)
            fps = try c.decode(.fps, default: 5)
            enabled = try c.decode(.enabled, default: true)
            zones = try c.decode(.zones, default: [])
            guard (1...60).contains(fps) else { throw ConfigValueError("fps must be 1...60, got \(fps)", at: "fps") }
        }
    }

    struct Zone: Decodable, Equatable {
        var name: String
        var polygon: [[Double]]
    }

    var agentID: String
    var spoolBytes: UInt64
    var cameras: [Camera]
    var labels: [String: String]

    enum CodingKeys: String, CodingKey {
        case agentID = "agent_id", spoolBytes = "spool_bytes", cameras, labels
    }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        agentID = try c.decode(String.self, forKey: .agentID)
        spoolBytes = try c.decode(.spoolBytes, default: 1 << 30)
        cameras = try c.decode(.cameras, default: [])
        labels = try c.decode(.labels, default: [:])
    }
}

@Suite struct ConfigLoaderTests {
    func load(_ yaml: String) throws(ConfigError) -> SampleConfig {
        try ConfigLoader.decode(SampleConfig.self, yaml: yaml, file: "agent.yaml")
    }

    func error(_ yaml: String) -> ConfigError? {
        #expect(throws: ConfigError.self) { try load(yaml) }
    }

    @Test func validFile_decodesWithDefaults() throws {
        let config = try load("""
            agent_id: north-1
            labels: {district: north}
            cameras:
              - id: cam-1
                url: rtsp://10.0.0.5/stream
                zones:
                  - name: gate
                    polygon: [[0, 0], [1, 0], [0.5, 1]]
              - id: cam-2
                url: file:///clips/river.mp4
                fps: 10
                enabled: no
            """)
        #expect(config.agentID == "north-1")
        #expect(config.spoolBytes == 1 << 30)
        #expect(config.cameras.map(\.fps) == [5, 10])
        #expect(config.cameras[1].enabled == false)
        #expect(config.cameras[0].zones[0].polygon[2] == [0.5, 1])
        #expect(config.labels == ["district": "north"])
    }

    @Test func wrongType_namesLineAndKeyPath() {
        let e = error("""
            agent_id: north-1
            cameras:
              - id: cam-1
                url: rtsp://x
                fps: ten
            """)
        #expect(e?.line == 5)
        #expect(e?.keyPath == "cameras[0].fps")
        #expect(e?.message.contains("integer") == true)
        #expect(e?.description.hasPrefix("agent.yaml:5:") == true)
    }

    @Test func unknownKey_isAnErrorWithASuggestion() {
        let e = error("""
            agent_id: north-1
            cameras:
              - id: cam-1
                url: rtsp://x
                fsp: 10
            """)
        #expect(e?.line == 5)
        #expect(e?.keyPath == "cameras[0].fsp")
        #expect(e?.message.contains("did you mean 'fps'") == true)
    }

    @Test func unknownTopLevelKey_isAnError() {
        let e = error("agent_id: a\nspool_byte: 5\n")
        #expect(e?.line == 2)
        #expect(e?.keyPath == "spool_byte")
    }

    @Test func missingRequiredKey_namesIt() {
        let e = error("agent_id: a\ncameras:\n  - id: cam-1\n")
        #expect(e?.keyPath == "cameras[0].url")
        #expect(e?.line == 3)
        #expect(e?.message.contains("missing") == true)
    }

    @Test func invalidValue_fromValidation_pointsAtTheValue() {
        let e = error("agent_id: a\ncameras:\n  - id: c\n    url: u\n    fps: 500\n")
        #expect(e?.keyPath == "cameras[0].fps")
        #expect(e?.line == 5)
        #expect(e?.message.contains("1...60") == true)
    }

    @Test func syntaxError_namesTheLine() {
        let e = error("agent_id: a\ncameras:\n  - id: [unclosed\n    url: x\n")
        #expect(e?.line != nil)
        #expect(e?.message.contains("YAML syntax") == true)
    }

    @Test func negativeForUnsigned_andOverflow_areErrors() {
        #expect(error("agent_id: a\nspool_bytes: -1\n")?.keyPath == "spool_bytes")
        #expect(error("agent_id: a\nspool_bytes: 99999999999999999999999\n")?.keyPath == "spool_bytes")
    }

    @Test func listWhereMappingExpected_isATypeError() {
        let e = error("agent_id: a\ncameras: {id: x}\n")
        #expect(e?.keyPath == "cameras")
        #expect(e?.message.contains("list") == true)
    }

    @Test func nullForARequiredString_isAnError() {
        let e = error("agent_id: ~\n")
        #expect(e?.keyPath == "agent_id")
        #expect(e?.line == 1)
    }

    @Test func unknownKeysBelowNumericMapKeys_areFound() {
        // `labels` is a [String: String]: its keys are free, but a nested mapping under one is not a string.
        let e = error("agent_id: a\nlabels:\n  1: one\n  2: {x: y}\n")
        #expect(e?.keyPath == "labels.2")
        #expect(e?.line == 4)
    }

    @Test func rootValidationError_isReportedAtTheRoot() {
        struct Root: Decodable {
            init(from decoder: any Decoder) throws {
                let c = try decoder.container(keyedBy: AnyKey.self)
                _ = try c.decodeIfPresent(Int.self, forKey: AnyKey(stringValue: "a"))
                _ = try c.decodeIfPresent(Int.self, forKey: AnyKey(stringValue: "b"))
                throw ConfigValueError("a and b must not both be set")
            }
        }
        struct AnyKey: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }
        let e = #expect(throws: ConfigError.self) { try ConfigLoader.decode(Root.self, yaml: "a: 1\nb: 2\n", file: "x.yaml") }
        #expect(e?.keyPath == "")
        #expect(e?.line == 1)
        #expect(e?.message == "a and b must not both be set")
    }

    @Test func fileOnDisk_errorsNameTheFile() throws {
        let dir = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("agent.yaml").path
        try "agent_id: [\n".write(toFile: path, atomically: true, encoding: .utf8)
        let e = #expect(throws: ConfigError.self) { try ConfigLoader.load(SampleConfig.self, fromFile: path) }
        #expect(e?.file == path)
        let missing = #expect(throws: ConfigError.self) { try ConfigLoader.load(SampleConfig.self, fromFile: dir.path + "/none.yaml") }
        #expect(missing?.message.contains("cannot read") == true)
    }
}
