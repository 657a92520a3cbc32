import Foundation
import Shared

/// The aggregator's YAML configuration (`/etc/aggregator/aggregator.yaml`), documented in
/// docs/CONFIG-AGGREGATOR.md. Relative paths are relative to the file's directory.
struct AggregatorConfiguration: Decodable, Sendable {
    var ingest: IngestSettings
    /// config `city`: path of the city model.
    var cityPath: String
    var store: StoreSettings
    var retention: RetentionSettings
    /// config `metrics`: plain-HTTP Prometheus listener (default 127.0.0.1:9464).
    var metrics: MetricsSettings
    var scenarios: ScenarioSettings
    var fusion: FusionSettings
    /// config `api`: the operations API; nil: not served.
    var api: APISettings?
    /// config `enrollment`: certificates for agents; nil: agents get theirs from `aggregator pki`.
    var enrollment: EnrollmentSettings?
    /// config `snapshots`: the archive of frames agents upload.
    var snapshots: SnapshotSettings

    enum CodingKeys: String, CodingKey { case ingest, cityPath = "city", store, retention, metrics, scenarios, fusion, api, enrollment, snapshots }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        ingest = try c.decode(IngestSettings.self, forKey: .ingest)
        cityPath = try c.decode(String.self, forKey: .cityPath)
        store = try c.decode(StoreSettings.self, forKey: .store)
        retention = try c.decode(.retention, default: RetentionSettings())
        if case .postgres = store, retention.maxBytes != nil {
            // PostgreSQL keeps deleted rows' space for reuse: its files never shrink to a cap.
            throw ConfigValueError("retention.max_bytes is not supported with store.postgres (use max_age_days)", at: "retention")
        }
        metrics = try c.decode(.metrics, default: MetricsSettings())
        scenarios = try c.decode(.scenarios, default: ScenarioSettings())
        fusion = try c.decode(.fusion, default: FusionSettings())
        api = try c.decodeIfPresent(APISettings.self, forKey: .api)
        enrollment = try c.decodeIfPresent(EnrollmentSettings.self, forKey: .enrollment)
        snapshots = try c.decode(.snapshots, default: SnapshotSettings())
    }

    /// Where snapshots are kept: `snapshots.directory`, else `snapshots` beside the operations database.
    var snapshotDirectory: String {
        if let directory = snapshots.directory { return directory }
        let base = scenarios.database.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        return base.isEmpty ? "snapshots" : base + "/snapshots"
    }

    /// Loads the file and resolves relative paths against its directory.
    static func load(path: String) throws(ConfigError) -> AggregatorConfiguration {
        var configuration = try ConfigLoader.load(AggregatorConfiguration.self, fromFile: path)
        let base = path.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        func resolve(_ p: String) -> String { p.hasPrefix("/") || base.isEmpty ? p : "\(base)/\(p)" }
        configuration.cityPath = resolve(configuration.cityPath)
        configuration.ingest.tls.certificate = resolve(configuration.ingest.tls.certificate)
        configuration.ingest.tls.key = resolve(configuration.ingest.tls.key)
        configuration.ingest.tls.clientCA = resolve(configuration.ingest.tls.clientCA)
        configuration.ingest.dictionaries = configuration.ingest.dictionaries.map(resolve)
        configuration.scenarios.directory = configuration.scenarios.directory.map(resolve)
        configuration.scenarios.database = resolve(configuration.scenarios.database)
        configuration.snapshots.directory = configuration.snapshots.directory.map(resolve)
        if var enrollment = configuration.enrollment {
            enrollment.caCertificate = resolve(enrollment.caCertificate)
            enrollment.caKey = resolve(enrollment.caKey)
            configuration.enrollment = enrollment
        }
        if var tls = configuration.api?.tls {
            tls.certificate = resolve(tls.certificate)
            tls.key = resolve(tls.key)
            configuration.api?.tls = tls
        }
        for i in configuration.scenarios.webhooks.indices {
            configuration.scenarios.webhooks[i].secretFile = configuration.scenarios.webhooks[i].secretFile.map(resolve)
        }
        switch configuration.store {
        case .sqlite(let file):
            configuration.store = .sqlite(path: resolve(file))
        case .postgres(var settings):
            settings.passwordFile = settings.passwordFile.map(resolve)
            settings.caFile = settings.caFile.map(resolve)
            configuration.store = .postgres(settings)
        }
        return configuration
    }
}

/// config `ingest`.
struct IngestSettings: Decodable, Sendable {
    var host = "0.0.0.0"
    var port = 8443
    var tls: TLSSettings
    /// Compressed request bodies above this are refused with 413 before being read whole.
    var maxBodyBytes = BatchLimits().maxCompressedBytes
    /// Batches being decoded or committed at once; more get 503 + Retry-After (bounds memory:
    /// at most this many bodies and decoded batches exist at a time).
    var maxConcurrentBatches = 64
    /// Seconds a refused agent is told to wait (`Retry-After`).
    var retryAfterSeconds = 2
    /// zstd dictionaries agents may compress with (`aggregator dictionary train` files).
    var dictionaries: [String] = []

    enum CodingKeys: String, CodingKey {
        case host, port, tls, maxBodyBytes = "max_body_bytes", maxConcurrentBatches = "max_concurrent_batches"
        case retryAfterSeconds = "retry_after_s", dictionaries
    }

    package init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        host = try c.decode(.host, default: host)
        port = try c.decode(.port, default: port)
        guard (0...65535).contains(port) else { throw ConfigValueError("port must be 0...65535", at: "port") }
        tls = try c.decode(TLSSettings.self, forKey: .tls)
        maxBodyBytes = try c.decode(.maxBodyBytes, default: maxBodyBytes)
        guard (1024...(64 << 20)).contains(maxBodyBytes) else {
            throw ConfigValueError("max_body_bytes must be 1024...67108864", at: "max_body_bytes")
        }
        maxConcurrentBatches = try c.decode(.maxConcurrentBatches, default: maxConcurrentBatches)
        guard (1...4096).contains(maxConcurrentBatches) else {
            throw ConfigValueError("max_concurrent_batches must be 1...4096", at: "max_concurrent_batches")
        }
        retryAfterSeconds = try c.decode(.retryAfterSeconds, default: retryAfterSeconds)
        guard (1...3600).contains(retryAfterSeconds) else { throw ConfigValueError("retry_after_s must be 1...3600", at: "retry_after_s") }
        dictionaries = try c.decode(.dictionaries, default: [])
    }

    /// The decoder's limits with this listener's body cap.
    var batchLimits: BatchLimits { BatchLimits(maxCompressedBytes: maxBodyBytes) }
}

/// config `ingest.tls`: the aggregator's certificate and the fleet CA that signs agents.
struct TLSSettings: Decodable, Sendable {
    var certificate: String
    var key: String
    var clientCA: String
    /// SPIFFE trust domain of agent identities (`spiffe://<trust_domain>/agent/<id>`); default:
    /// the city model's id (what `aggregator pki init --city` was given).
    var trustDomain: String?

    enum CodingKeys: String, CodingKey { case certificate, key, clientCA = "client_ca", trustDomain = "trust_domain" }
}

/// config `store`: exactly one of `sqlite` or `postgres`.
enum StoreSettings: Decodable, Sendable {
    case sqlite(path: String)
    case postgres(PostgresSettings)

    enum CodingKeys: String, CodingKey { case sqlite, postgres }

    struct SQLiteSettings: Decodable { var path: String }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        switch (c.contains(.sqlite), c.contains(.postgres)) {
        case (true, false): self = .sqlite(path: try c.decode(SQLiteSettings.self, forKey: .sqlite).path)
        case (false, true): self = .postgres(try c.decode(PostgresSettings.self, forKey: .postgres))
        default: throw ConfigValueError("set exactly one of 'sqlite' or 'postgres'")
        }
    }
}

/// config `store.postgres`.
package struct PostgresSettings: Decodable, Sendable, Hashable {
    package enum TLSMode: String, Decodable, Sendable { case disable, prefer, require }

    package var host = "127.0.0.1"
    package var port = 5432
    var user: String
    var password: String?
    /// A file holding the password (first line), so that the configuration can be world-readable.
    var passwordFile: String?
    var database: String
    /// Connections in the pool.
    package var connections = 8
    /// `prefer` (the default, like libpq) uses TLS when the server offers it; `require` also
    /// verifies the server's certificate (system roots, or `ca_file`).
    package var tls = TLSMode.prefer
    var caFile: String?

    enum CodingKeys: String, CodingKey {
        case host, port, user, password, passwordFile = "password_file", database, connections, tls, caFile = "ca_file"
    }

    package init(user: String, database: String) {
        self.user = user
        self.database = database
    }

    package init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        host = try c.decode(.host, default: host)
        port = try c.decode(.port, default: port)
        guard (1...65535).contains(port) else { throw ConfigValueError("port must be 1...65535", at: "port") }
        user = try c.decode(String.self, forKey: .user)
        password = try c.decodeIfPresent(String.self, forKey: .password)
        passwordFile = try c.decodeIfPresent(String.self, forKey: .passwordFile)
        if password != nil, passwordFile != nil { throw ConfigValueError("set 'password' or 'password_file', not both", at: "password_file") }
        database = try c.decode(String.self, forKey: .database)
        connections = try c.decode(.connections, default: connections)
        guard (1...256).contains(connections) else { throw ConfigValueError("connections must be 1...256", at: "connections") }
        tls = try c.decode(.tls, default: tls)
        caFile = try c.decodeIfPresent(String.self, forKey: .caFile)
        if caFile != nil, tls != .require { throw ConfigValueError("ca_file needs tls: require", at: "ca_file") }
    }

    /// The settings with `password` read from `password_file` (its first line), if set.
    func withPasswordFromFile() throws(StoreError) -> PostgresSettings {
        guard let file = passwordFile else { return self }
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
            throw .failed("store.postgres.password_file: cannot read \(file)")
        }
        var settings = self
        settings.password = text.split(separator: "\n", omittingEmptySubsequences: false).first.map(String.init) ?? ""
        return settings
    }
}

/// config `retention`: events older than `max_age_days` or beyond `max_bytes` (oldest first) are
/// deleted by a background service every `interval_s`.
struct RetentionSettings: Decodable, Sendable {
    var maxAgeDays = 30
    var maxBytes: Int64? = nil
    var intervalSeconds = 300

    enum CodingKeys: String, CodingKey { case maxAgeDays = "max_age_days", maxBytes = "max_bytes", intervalSeconds = "interval_s" }

    init() {}

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        maxAgeDays = try c.decode(.maxAgeDays, default: maxAgeDays)
        guard (1...36500).contains(maxAgeDays) else { throw ConfigValueError("max_age_days must be 1...36500", at: "max_age_days") }
        maxBytes = try c.decodeIfPresent(Int64.self, forKey: .maxBytes)
        if let bytes = maxBytes, bytes < 1 << 20 { throw ConfigValueError("max_bytes must be at least 1048576", at: "max_bytes") }
        intervalSeconds = try c.decode(.intervalSeconds, default: intervalSeconds)
        guard (1...86400).contains(intervalSeconds) else { throw ConfigValueError("interval_s must be 1...86400", at: "interval_s") }
    }
}

/// config `metrics`.
struct MetricsSettings: Decodable, Sendable {
    var host = "127.0.0.1"
    var port = 9464

    enum CodingKeys: String, CodingKey { case host, port }

    init() {}

    package init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        host = try c.decode(.host, default: host)
        port = try c.decode(.port, default: port)
        guard (0...65535).contains(port) else { throw ConfigValueError("port must be 0...65535", at: "port") }
    }
}
