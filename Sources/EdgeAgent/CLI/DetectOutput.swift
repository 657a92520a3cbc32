import Foundation
import Shared

/// Where `detect` writes: events to standard output, MOT rows to a CSV, snapshots to PNG files.
struct DetectOutput {
    let json: Bool
    let tracksPath: String?
    /// Only tracks of this class go to the tracks file (nil: all).
    var trackClass: ObjectClass?
    let snapshotDirectory: String?
    let rules: CameraRules
    private var tracksFile: FileHandle?

    init(json: Bool, tracksPath: String?, snapshotDirectory: String?, rules: CameraRules) {
        self.json = json
        self.tracksPath = tracksPath
        self.snapshotDirectory = snapshotDirectory
        self.rules = rules
    }

    mutating func open() throws {
        if let tracksPath {
            guard FileManager.default.createFile(atPath: tracksPath, contents: nil) else {
                throw DetectOutputError("cannot create \(tracksPath)")
            }
            tracksFile = FileHandle(forWritingAtPath: tracksPath)
        }
        if let snapshotDirectory {
            try FileManager.default.createDirectory(atPath: snapshotDirectory, withIntermediateDirectories: true)
        }
    }

    func close() { try? tracksFile?.close() }

    func frame(_ frame: Frame, pipeline: CameraPipeline, events: [Event]) throws {
        if let tracksFile {
            var rows = ""
            for track in pipeline.tracker.tracks where track.confirmed && track.misses == 0 && (trackClass == nil || track.objectClass == trackClass) {
                rows += MOTRow.line(
                    frameIndex: frame.index, id: track.id, rect: track.lastRect, frameWidth: frame.width, frameHeight: frame.height,
                    confidence: track.confidence)
            }
            if !rows.isEmpty { tracksFile.write(Data(rows.utf8)) }
        }
        if let snapshotDirectory, events.contains(where: { $0.phase == .start }) {
            let image = SnapshotRenderer(frame: frame, rules: rules, tracks: pipeline.tracker.tracks.filter(\.confirmed)).render()
            let first = events.first { $0.phase == .start }!
            let path = "\(snapshotDirectory)/\(first.cameraID)-\(frame.index)-\(first.kind.rawValue).png"
            try Data(PNGEncoder.encodeRGB(width: frame.width, height: frame.height, pixels: image)).write(to: URL(fileURLWithPath: path))
        }
        try self.events(events)
    }

    func events(_ events: [Event]) throws {
        for event in events {
            if json {
                print(try event.jsonLine())
            } else {
                // Time of day (UTC) of the capture, to the tenth of a second.
                let ms = event.captureTimeMs % 86_400_000
                let seconds = String(format: "%02d:%02d:%02d.%d", ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, ms % 1000 / 100)
                let zone = event.zone.map { " zone=\($0)" } ?? ""
                let track = event.trackID != 0 ? " track=\(event.trackID)" : ""
                let attributes = event.attributes.map { "\($0.key)=\($0.value.text)" }.joined(separator: " ")
                print("\(seconds) \(event.cameraID) \(event.kind) \(event.phase)\(track)\(zone) \(attributes)")
            }
        }
    }
}

struct DetectOutputError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

extension AttributeValue {
    var text: String {
        switch self {
        case .int(let v): "\(v)"
        case .double(let v): "\(v)"
        case .bool(let v): "\(v)"
        case .string(let v): v
        }
    }
}
