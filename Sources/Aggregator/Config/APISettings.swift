import Shared

/// config `api`: the operations API listener (docs/API.md). Without `tls` it serves plain HTTP and
/// only on a loopback address.
struct APISettings: Decodable, Sendable {
    struct TLS: Decodable, Sendable {
        var certificate: String
        var key: String
    }

    var host = "127.0.0.1"
    var port = 8444
    var tls: TLS?

    enum CodingKeys: String, CodingKey { case host, port, tls }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        host = try c.decode(.host, default: host)
        port = try c.decode(.port, default: port)
        guard (0...65535).contains(port) else { throw ConfigValueError("port must be 0...65535", at: "port") }
        tls = try c.decodeIfPresent(TLS.self, forKey: .tls)
        if tls == nil, !["127.0.0.1", "::1", "localhost"].contains(host) {
            throw ConfigValueError("without tls the API listens on loopback only (127.0.0.1, ::1, localhost); give tls: {certificate, key} to serve \(host)", at: "host")
        }
    }
}
