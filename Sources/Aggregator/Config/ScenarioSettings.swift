import Shared

/// config `scenarios`: where the rules are and where activations, commands and webhook
/// deliveries are kept.
struct ScenarioSettings: Decodable, Sendable {
    /// The scenario directory (`aggregator scenarios check` format); nil: no scenarios run.
    var directory: String?
    /// SQLite file for activations, agent commands and the webhook outbox.
    var database = "operations.sqlite"
    /// How far behind the newest capture time (and the wall clock) the watermark trails.
    var latenessSeconds = 60
    var webhooks: [WebhookSettings] = []
    /// At start, the engine replays the stored events captured this far back, so that windows,
    /// pending sequences and incidents survive a restart (0: start empty).
    var warmStartSeconds = 3_600
    /// …but at most this many events (the newest are kept when there are more).
    var warmStartMaxEvents = 2_000_000

    enum CodingKeys: String, CodingKey {
        case directory, database, latenessSeconds = "lateness_s", webhooks, warmStartSeconds = "warm_start_s", warmStartMaxEvents = "warm_start_max_events"
    }

    init() {}

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        directory = try c.decodeIfPresent(String.self, forKey: .directory)
        database = try c.decode(.database, default: database)
        latenessSeconds = try c.decode(.latenessSeconds, default: latenessSeconds)
        guard (0...86_400).contains(latenessSeconds) else { throw ConfigValueError("lateness_s must be 0...86400", at: "lateness_s") }
        webhooks = try c.decode(.webhooks, default: [])
        warmStartSeconds = try c.decode(.warmStartSeconds, default: warmStartSeconds)
        guard (0...86_400).contains(warmStartSeconds) else { throw ConfigValueError("warm_start_s must be 0...86400", at: "warm_start_s") }
        warmStartMaxEvents = try c.decode(.warmStartMaxEvents, default: warmStartMaxEvents)
        guard (1...100_000_000).contains(warmStartMaxEvents) else {
            throw ConfigValueError("warm_start_max_events must be 1...100000000", at: "warm_start_max_events")
        }
        var seen: Set<String> = []
        for (i, w) in webhooks.enumerated() where !seen.insert(w.name).inserted {
            throw ConfigValueError("duplicate webhook name '\(w.name)'", at: "webhooks[\(i)].name")
        }
    }
}

/// One `scenarios.webhooks` entry: scenarios name it in `actions: [{webhook: NAME}]`.
struct WebhookSettings: Decodable, Sendable, Hashable {
    var name: String
    var url: String
    /// File holding the HMAC-SHA256 key (first line); deliveries are signed with it.
    var secretFile: String?
    var timeoutMs = 5_000
    /// Retries back off exponentially from `backoff_base_ms` up to `backoff_cap_ms`; a delivery is
    /// kept (and retried) until it succeeds or `max_age_h` passes, then marked failed.
    var backoffBaseMs = 1_000
    var backoffCapMs = 300_000
    var maxAgeHours = 24

    enum CodingKeys: String, CodingKey {
        case name, url, secretFile = "secret_file", timeoutMs = "timeout_ms", backoffBaseMs = "backoff_base_ms",
            backoffCapMs = "backoff_cap_ms", maxAgeHours = "max_age_h"
    }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        url = try c.decode(String.self, forKey: .url)
        guard url.hasPrefix("http://") || url.hasPrefix("https://") else { throw ConfigValueError("url must start with http:// or https://", at: "url") }
        secretFile = try c.decodeIfPresent(String.self, forKey: .secretFile)
        timeoutMs = try c.decode(.timeoutMs, default: timeoutMs)
        backoffBaseMs = try c.decode(.backoffBaseMs, default: backoffBaseMs)
        backoffCapMs = try c.decode(.backoffCapMs, default: backoffCapMs)
        maxAgeHours = try c.decode(.maxAgeHours, default: maxAgeHours)
        guard timeoutMs > 0, backoffBaseMs > 0, backoffCapMs >= backoffBaseMs, maxAgeHours > 0 else {
            throw ConfigValueError("timeout_ms, backoff_base_ms and max_age_h must be positive and backoff_cap_ms at least backoff_base_ms")
        }
    }
}
