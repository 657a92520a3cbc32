import Crypto
import Foundation

/// An operator's bearer token: `cw_<id>_<secret>`. The id is public (listed, revoked by it); only
/// a SHA-256 of the secret is stored, so the database does not hold usable tokens.
struct APIToken: Sendable, Hashable, Codable {
    enum Role: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
        case viewer, `operator`, admin

        private var rank: Int { Role.allCases.firstIndex(of: self)! }
        static func < (a: Role, b: Role) -> Bool { a.rank < b.rank }
    }

    var id: String
    var name: String
    var role: Role
    var createdMs: Int64
    var revokedMs: Int64?
    var lastUsedMs: Int64?

    enum CodingKeys: String, CodingKey {
        case id, name, role, createdMs = "created_ms", revokedMs = "revoked_ms", lastUsedMs = "last_used_ms"
    }

    /// A new id and secret, and the token text shown once to its owner.
    /// `prefix` tells token kinds apart: `cw` for API tokens, `cwe` for one-time enrollment tokens.
    static func generate(prefix: String = "cw") -> (id: String, secret: String, text: String) {
        func hex(_ n: Int) -> String {
            var g = SystemRandomNumberGenerator()
            return (0..<n).map { _ in UInt8.random(in: 0...255, using: &g) }.hexString
        }
        let id = hex(6), secret = hex(24)
        return (id, secret, "\(prefix)_\(id)_\(secret)")
    }

    /// The id and secret of a presented token text; nil when it is not one.
    static func parse(_ text: String, prefix: String = "cw") -> (id: String, secret: String)? {
        let parts = text.split(separator: "_", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == prefix, parts[1].count == 12, parts[2].count == 48,
            (parts[1] + parts[2]).allSatisfy(\.isHexDigit)
        else { return nil }
        return (String(parts[1]), String(parts[2]))
    }

    static func digest(_ secret: String) -> String {
        SHA256.hash(data: Array(secret.utf8)).hexString
    }

    /// Compares hex digests in constant time.
    static func same(_ a: String, _ b: String) -> Bool {
        a.utf8.count == b.utf8.count && zip(a.utf8, b.utf8).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
