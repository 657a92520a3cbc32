import Foundation
import Shared
import Testing
import TestSupport

@Suite struct EventKindRegistryTests {
    static let required: [EventKind] = [
        "intrusion", "line_crossing", "loitering", "crowd", "stopped_vehicle", "abandoned_object", "object_removed",
        "fast_motion", "wrong_way", "tamper_covered", "tamper_defocus", "tamper_moved", "video_loss", "water_level",
        "smoke", "fire", "motion",
    ]

    @Test func registry_describesEveryRequiredKind() {
        for kind in Self.required {
            let descriptor = EventKindRegistry.standard.descriptor(of: kind)
            #expect(descriptor != nil, "\(kind) is not registered")
            #expect(descriptor?.meaning.isEmpty == false)
        }
        #expect(Set(EventKindRegistry.standard.descriptors.map(\.kind)).count == EventKindRegistry.standard.descriptors.count)
    }

    @Test func unknownKind_getsDefaultSeverityAndIsNotKnown() {
        let kind = EventKind("helmet_missing")
        #expect(!kind.isKnown)
        #expect(EventKindRegistry.standard.defaultSeverity(of: kind) == EventKindRegistry.unknownKindSeverity)
        #expect(Event(id: 1, cameraID: "c", kind: kind, captureTimeMs: 0).severity == .medium)
        #expect(Event(id: 1, cameraID: "c", kind: .fire, captureTimeMs: 0).severity == .critical)
    }

    /// docs/EVENTS.md must list every registered kind with its default severity and attributes.
    @Test func eventsDocument_matchesRegistry() throws {
        let doc = try String(contentsOf: TestPaths.packageRoot.appendingPathComponent("docs/EVENTS.md"), encoding: .utf8)
        for d in EventKindRegistry.standard.descriptors {
            let row = doc.split(separator: "\n").first { $0.hasPrefix("| `\(d.kind.rawValue)` |") }
            #expect(row != nil, "docs/EVENTS.md has no table row for \(d.kind)")
            guard let row else { continue }
            #expect(row.contains("| \(d.defaultSeverity.rawValue) |"), "severity of \(d.kind) differs in docs")
            for attribute in d.attributes {
                #expect(row.contains("`\(attribute.key)`"), "docs/EVENTS.md misses attribute \(attribute.key) of \(d.kind)")
            }
        }
    }
}
