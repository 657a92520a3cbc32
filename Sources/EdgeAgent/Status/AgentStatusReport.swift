/// What `edge-agent status` shows: the JSON the admin socket serves at `GET /v1/status`, decoded
/// again by the CLI. Times are ms since the epoch; ages and durations are named for their unit.
struct AgentStatusReport: Codable, Sendable {
    var agentID: String
    var version: String
    var pid: Int32
    var startedMs: Int64
    var nowMs: Int64
    var cameras: [CameraStatus]
    var spool: SpoolStatus
    var link: LinkStatus
    var certificate: CertificateStatus?

    enum CodingKeys: String, CodingKey {
        case agentID = "agent_id", version, pid, startedMs = "started_ms", nowMs = "now_ms", cameras, spool, link, certificate
    }
}

struct CameraStatus: Codable, Sendable {
    var id: String
    /// The source with any password in its URL replaced by `***`.
    var source: String
    var width: Int?
    var height: Int?
    /// Frames analysed per second over the last few seconds.
    var fps: Double
    var frames: UInt64
    var lastFrameAgeMs: Int64?
    /// Seconds of detection per second of wall time (1.0 = one core busy).
    var detectionLoad: Double
    /// CPU seconds per second of the camera's ffmpeg decoder (nil for synthetic scenes).
    var decodeLoad: Double?
    /// Active tamper conditions (`tamper_covered`, `video_loss`, …); empty when the view is clean.
    var tamper: [String]
    var profile: String
    var fpsCap: Double?
    var events: UInt64
    /// `heuristic`, `neural`, or `heuristic (person detector unavailable)`.
    var detector: String

    enum CodingKeys: String, CodingKey {
        case id, source, width, height, fps, frames, lastFrameAgeMs = "last_frame_age_ms", detectionLoad = "detection_load"
        case decodeLoad = "decode_load", tamper, profile, fpsCap = "fps_cap", events, detector
    }
}

struct SpoolStatus: Codable, Sendable {
    var bytes: Int
    var maxBytes: Int
    var backlogBytes: Int
    var segments: Int
    var oldestEventAgeMs: Int64?
    var evictedEvents: UInt64
    var unreportedEvictedEvents: UInt64
    /// Events of evicted segments still held by the shipper, unacked (lost only if it ends first).
    var inFlightEvictedEvents: UInt64 = 0
    var corruptRecords: UInt64
    var deadLetters: Int

    enum CodingKeys: String, CodingKey {
        case bytes, maxBytes = "max_bytes", backlogBytes = "backlog_bytes", segments, oldestEventAgeMs = "oldest_event_age_ms"
        case evictedEvents = "evicted_events", unreportedEvictedEvents = "unreported_evicted_events"
        case inFlightEvictedEvents = "in_flight_evicted_events"
        case corruptRecords = "corrupt_records", deadLetters = "dead_letters"
    }
}

struct LinkStatus: Codable, Sendable {
    /// `up` after an ack, `down` after a failed send, `idle` before the first batch.
    var state: String
    var endpoint: String?
    var lastAckMs: Int64?
    var lastError: String?
    var lastErrorMs: Int64?
    /// Aggregator clock minus agent clock, from the last ack.
    var clockSkewMs: Int64?
    var batchesAcked: UInt64
    var retries: UInt64
    var deadLettered: UInt64

    enum CodingKeys: String, CodingKey {
        case state, endpoint, lastAckMs = "last_ack_ms", lastError = "last_error", lastErrorMs = "last_error_ms"
        case clockSkewMs = "clock_skew_ms", batchesAcked = "batches_acked", retries, deadLettered = "dead_lettered"
    }
}

struct CertificateStatus: Codable, Sendable {
    var path: String
    var subject: String?
    var notAfterMs: Int64
    var expiresInSeconds: Int64
    var error: String?

    enum CodingKeys: String, CodingKey {
        case path, subject, notAfterMs = "not_after_ms", expiresInSeconds = "expires_in_s", error
    }
}
