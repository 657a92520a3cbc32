import Shared

/// The agent's YAML configuration (`/etc/edge-agent/agent.yaml`), documented in
/// docs/CONFIG-AGENT.md. Decoding validates everything; errors carry file, line and key path.
struct AgentConfiguration: Decodable, Sendable {
    /// config `agent_id` (required).
    var agentID: String
    /// config `cameras`.
    var cameras: [CameraConfiguration]
    /// config `state_directory`: the spool and dead letters live here (default /var/lib/edge-agent).
    var stateDirectory = "/var/lib/edge-agent"
    var spool = SpoolConfiguration()
    /// config `shipping` (required by `edge-agent run`).
    var shipping: ShippingConfiguration?
    /// config `metrics`: plain-HTTP Prometheus listener (default 127.0.0.1:9465).
    var metricsHost = "127.0.0.1"
    var metricsPort = 9465
    /// config `admin.socket`: the CLI's unix socket (default: see `AdminSocket.daemonPath`).
    var adminSocket: String?
    /// config `detector`: the neural person detector (used by cameras with `objects.detector: neural`).
    var detector = DetectorSettings()

    enum CodingKeys: String, CodingKey { case agentID = "agent_id", cameras, stateDirectory = "state_directory", spool, shipping, metrics, admin, detector }

    struct AdminSettings: Decodable {
        var socket: String?
    }

    struct MetricsSettings: Decodable {
        var host: String?
        var port: Int?
    }

    init(agentID: String, cameras: [CameraConfiguration]) {
        self.agentID = agentID
        self.cameras = cameras
    }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        agentID = try c.decode(String.self, forKey: .agentID)
        cameras = try c.decode(.cameras, default: [])
        stateDirectory = try c.decode(.stateDirectory, default: stateDirectory)
        spool = try c.decode(.spool, default: SpoolConfiguration())
        shipping = try c.decodeIfPresent(ShippingConfiguration.self, forKey: .shipping)
        if let metrics = try c.decodeIfPresent(MetricsSettings.self, forKey: .metrics) {
            metricsHost = metrics.host ?? metricsHost
            metricsPort = metrics.port ?? metricsPort
            guard (0...65535).contains(metricsPort) else { throw ConfigValueError("port must be 0...65535", at: "metrics.port") }
        }
        adminSocket = try c.decodeIfPresent(AdminSettings.self, forKey: .admin)?.socket
        detector = try c.decode(.detector, default: DetectorSettings())
        if let adminSocket {
            guard !adminSocket.isEmpty, adminSocket.utf8.count < 104 else { throw ConfigValueError("socket must be a path of 1...103 bytes", at: "admin.socket") }
        }
        var seen = Set<String>()
        for (i, camera) in cameras.enumerated() where !seen.insert(camera.id).inserted {
            throw ConfigValueError("duplicate camera id '\(camera.id)'", at: "cameras[\(i)].id")
        }
    }

    /// Loads the file; relative paths are relative to its directory.
    static func load(path: String) throws(ConfigError) -> AgentConfiguration {
        var configuration = try ConfigLoader.load(AgentConfiguration.self, fromFile: path)
        let base = path.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        func resolve(_ p: String) -> String { p.hasPrefix("/") || base.isEmpty ? p : "\(base)/\(p)" }
        configuration.stateDirectory = resolve(configuration.stateDirectory)
        configuration.spool.directory = configuration.spool.directory.map(resolve)
        configuration.adminSocket = configuration.adminSocket.map(resolve)
        configuration.detector.modelDirectory = configuration.detector.modelDirectory.map(resolve)
        if var shipping = configuration.shipping {
            shipping.certificate = resolve(shipping.certificate)
            shipping.key = resolve(shipping.key)
            shipping.ca = resolve(shipping.ca)
            configuration.shipping = shipping
        }
        return configuration
    }
}

/// One camera (config `cameras[]`).
struct CameraConfiguration: Decodable, Sendable {
    var id: String
    /// Stream URL or file path (config `source`).
    var source: String
    var detect: DetectSettings
    var pipeline: CameraPipeline.Configuration
    /// config `objects.detector: neural`: people confirmed by the neural detector.
    var neural = false

    enum CodingKeys: String, CodingKey {
        case id, source, detect, motion, tracker, objects, zones, lines, tamper, waterGauges = "water_gauges", smoke, fire
        case severities, events
    }

    init(id: String, source: String, detect: DetectSettings = DetectSettings(), pipeline: CameraPipeline.Configuration = .init()) {
        self.id = id
        self.source = source
        self.detect = detect
        self.pipeline = pipeline
    }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        guard !id.isEmpty, id.utf8.count <= 128 else { throw ConfigValueError("camera id must be 1-128 bytes", at: "id") }
        source = try c.decode(String.self, forKey: .source)
        detect = try c.decode(.detect, default: DetectSettings())
        var p = CameraPipeline.Configuration()
        let motion = try c.decode(.motion, default: MotionSettings())
        p.motion = motion.configuration
        p.blobs = motion.blobs
        p.tracker = try c.decode(.tracker, default: TrackerSettings()).configuration
        let objects = try c.decode(.objects, default: ObjectSettings())
        p.objects = objects.configuration
        neural = objects.neural
        var rules = CameraRules()
        let zones = try c.decode(.zones, default: [ZoneSettings]())
        rules.zones = zones.map(\.rules)
        rules.lines = try c.decode(.lines, default: [LineSettings]()).map(\.rule)
        rules.tamper = try c.decode(.tamper, default: TamperSettings()).rules
        rules.gauges = try c.decode(.waterGauges, default: [GaugeSettings]()).map(\.rule)
        rules.smokeFire.smoke = try c.decode(.smoke, default: false)
        rules.smokeFire.fire = try c.decode(.fire, default: false)
        if rules.zones.isEmpty, rules.lines.isEmpty, rules.gauges.isEmpty { rules.zones = CameraRules.wholeFrame.zones }
        var names = Set<String>()
        for (i, zone) in rules.zones.enumerated() where !names.insert(zone.name).inserted {
            throw ConfigValueError("duplicate zone or line name '\(zone.name)'", at: "zones[\(i)].name")
        }
        for (i, line) in rules.lines.enumerated() where !names.insert(line.name).inserted {
            throw ConfigValueError("duplicate zone or line name '\(line.name)'", at: "lines[\(i)].name")
        }
        p.rules = rules
        let severities = try c.decode(.severities, default: [String: Severity]())
        p.events.severities = Dictionary(uniqueKeysWithValues: severities.map { (EventKind($0.key), $0.value) })
        p.events.heartbeatMs = Int64(try c.decode(.events, default: EventSettings()).heartbeatSeconds * 1000)
        pipeline = p
    }
}

struct DetectSettings: Decodable, Sendable {
    var width = 640
    var height = 360
    var fps = 5.0
    var keyframesOnly = false
    var stallTimeoutSeconds = 10.0

    enum CodingKeys: String, CodingKey { case width, height, fps, keyframesOnly = "keyframes_only", stallTimeoutSeconds = "stall_timeout_s" }

    init() {}

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        width = try c.decode(.width, default: 640)
        height = try c.decode(.height, default: 360)
        fps = try c.decode(.fps, default: 5.0)
        keyframesOnly = try c.decode(.keyframesOnly, default: false)
        stallTimeoutSeconds = try c.decode(.stallTimeoutSeconds, default: 10.0)
        try validate()
    }

    /// The rules for detect settings, for config files and command-line overrides alike.
    func validate() throws(ConfigValueError) {
        guard (64...3840).contains(width), width % 8 == 0 else { throw ConfigValueError("width must be 64...3840 and a multiple of 8", at: "width") }
        guard (64...2160).contains(height), height % 8 == 0 else { throw ConfigValueError("height must be 64...2160 and a multiple of 8", at: "height") }
        guard fps > 0, fps <= 60 else { throw ConfigValueError("fps must be in (0, 60]", at: "fps") }
        guard (1...3600).contains(stallTimeoutSeconds) else { throw ConfigValueError("stall_timeout_s must be 1...3600", at: "stall_timeout_s") }
    }
}
