/// What a detection is believed to be.
enum ObjectClass: Int, Sendable, Hashable, CaseIterable, Codable {
    case unknown, person, vehicle, object

    var name: String {
        switch self {
        case .unknown: "unknown"
        case .person: "person"
        case .vehicle: "vehicle"
        case .object: "object"
        }
    }

    init?(name: String) {
        guard let c = Self.allCases.first(where: { $0.name == name }) else { return nil }
        self = c
    }
}

/// A candidate object in one frame.
struct Detection: Sendable, Hashable {
    var rect: Rect
    var objectClass: ObjectClass
    var confidence: Double
    /// False when no classifier has judged this detection (the neural detector had no budget for
    /// it): its track keeps the class the judged frames voted for.
    var votes = true
}

/// Turns motion blobs into classified detections. The default classifies by size and shape; a
/// neural detector (run on motion regions) plugs in behind the same protocol.
protocol ObjectDetector {
    mutating func detect(blobs: [Blob], gridWidth: Int, gridHeight: Int, frame: Frame, into detections: inout [Detection])
}
