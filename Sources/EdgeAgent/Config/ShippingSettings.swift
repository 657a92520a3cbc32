import Shared

/// config `spool`: where and how events wait for delivery (docs/SPOOL.md).
struct SpoolConfiguration: Decodable, Sendable {
    /// Spool directory (default: `spool` under the state directory).
    var directory: String?
    var settings = SpoolSettings()

    enum CodingKeys: String, CodingKey { case directory, maxBytes = "max_bytes", segmentBytes = "segment_bytes", commitIntervalMs = "commit_interval_ms", commit }

    init() {}

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        directory = try c.decodeIfPresent(String.self, forKey: .directory)
        settings.maxBytes = try c.decode(.maxBytes, default: settings.maxBytes)
        guard settings.maxBytes >= 1 << 20 else { throw ConfigValueError("max_bytes must be at least 1048576", at: "max_bytes") }
        settings.segmentBytes = try c.decode(.segmentBytes, default: settings.segmentBytes)
        guard (64 << 10...256 << 20).contains(settings.segmentBytes) else { throw ConfigValueError("segment_bytes must be 65536...268435456", at: "segment_bytes") }
        let mode = try c.decode(.commit, default: "interval")
        let interval = try c.decode(.commitIntervalMs, default: 200)
        guard (1...10_000).contains(interval) else { throw ConfigValueError("commit_interval_ms must be 1...10000", at: "commit_interval_ms") }
        switch mode {
        case "interval": settings.commit = .interval(milliseconds: interval)
        case "always": settings.commit = .always
        default: throw ConfigValueError("commit must be 'interval' or 'always'", at: "commit")
        }
    }
}

/// config `shipping`: the aggregator endpoints and how batches are sent.
struct ShippingConfiguration: Decodable, Sendable {
    /// Base URLs (`https://host:port`), tried in order; a failure moves to the next.
    var endpoints: [String]
    var certificate: String
    var key: String
    /// The fleet CA that signed the aggregator's certificate.
    var ca: String
    var batchMaxEvents = 1_000
    var maxInFlight = 4
    var backoffBaseMs = 500
    var backoffCapMs = 60_000

    enum CodingKeys: String, CodingKey {
        case endpoints, tls, batchMaxEvents = "batch_max_events", maxInFlight = "max_in_flight"
        case backoffBaseMs = "backoff_base_ms", backoffCapMs = "backoff_cap_ms"
    }

    struct TLS: Decodable, Sendable {
        var certificate: String
        var key: String
        var ca: String
    }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        endpoints = try c.decode([String].self, forKey: .endpoints)
        guard !endpoints.isEmpty else { throw ConfigValueError("at least one endpoint", at: "endpoints") }
        for (i, e) in endpoints.enumerated() where !e.hasPrefix("https://") {
            throw ConfigValueError("endpoints are https:// URLs", at: "endpoints[\(i)]")
        }
        let tls = try c.decode(TLS.self, forKey: .tls)
        (certificate, key, ca) = (tls.certificate, tls.key, tls.ca)
        batchMaxEvents = try c.decode(.batchMaxEvents, default: batchMaxEvents)
        guard (1...BatchLimits().maxEvents).contains(batchMaxEvents) else { throw ConfigValueError("batch_max_events must be 1...\(BatchLimits().maxEvents)", at: "batch_max_events") }
        maxInFlight = try c.decode(.maxInFlight, default: maxInFlight)
        guard (1...64).contains(maxInFlight) else { throw ConfigValueError("max_in_flight must be 1...64", at: "max_in_flight") }
        backoffBaseMs = try c.decode(.backoffBaseMs, default: backoffBaseMs)
        backoffCapMs = try c.decode(.backoffCapMs, default: backoffCapMs)
        guard backoffBaseMs >= 1, backoffCapMs >= backoffBaseMs else { throw ConfigValueError("need 1 <= backoff_base_ms <= backoff_cap_ms", at: "backoff_cap_ms") }
    }
}
