import Shared

/// config `enrollment`: the listener where agents get their first certificate with a one-time
/// token (server-authenticated TLS with the ingest certificate; no client certificate yet), and
/// the CA that signs enrollments and renewals (renewals come over the mTLS ingest listener).
struct EnrollmentSettings: Decodable, Sendable {
    var host = "0.0.0.0"
    var port = 8445
    var caCertificate: String
    var caKey: String
    /// Lifetime of the certificates issued, seconds (default 30 days; agents renew at two thirds).
    var validitySeconds = 30 * 86_400

    enum CodingKeys: String, CodingKey {
        case host, port, caCertificate = "ca_certificate", caKey = "ca_key", validitySeconds = "certificate_validity_s"
    }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        host = try c.decode(.host, default: host)
        port = try c.decode(.port, default: port)
        guard (0...65535).contains(port) else { throw ConfigValueError("port must be 0...65535", at: "port") }
        caCertificate = try c.decode(String.self, forKey: .caCertificate)
        caKey = try c.decode(String.self, forKey: .caKey)
        validitySeconds = try c.decode(.validitySeconds, default: validitySeconds)
        guard (30...825 * 86_400).contains(validitySeconds) else {
            throw ConfigValueError("certificate_validity_s must be 30...\(825 * 86_400) (825 days)", at: "certificate_validity_s")
        }
    }
}
