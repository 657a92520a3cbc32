import Foundation
import GRDB
import Synchronization

/// Enrollment tokens, revoked agents and the certificates issued, in the operations database.
extension ActionStore {
    /// A one-time token for `agent`, valid until `expiresMs`; returns its id and the text shown once.
    func createEnrollmentToken(agent: String, expiresMs: Int64, nowMs: Int64) throws -> (id: String, text: String) {
        let (id, secret, text) = APIToken.generate(prefix: "cwe")
        try queue.write { db in
            try db.execute(
                sql: "INSERT INTO enrollment_tokens (id, agent_id, secret_sha256, created_ms, expires_ms) VALUES (?, ?, ?, ?, ?)",
                arguments: [id, agent, APIToken.digest(secret), nowMs, expiresMs])
        }
        return (id, text)
    }

    /// Spends a token for `agent`: one transaction checks it (known, secret, not used, not
    /// expired, for this agent, agent not revoked) and marks it used.
    func redeemEnrollmentToken(_ text: String, agent: String, nowMs: Int64) throws -> Result<Void, EnrollmentRefusal> {
        guard let (id, secret) = APIToken.parse(text, prefix: "cwe") else { return .failure(.malformedToken) }
        return try queue.write { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM enrollment_tokens WHERE id = ?", arguments: [id]),
                APIToken.same(row["secret_sha256"], APIToken.digest(secret))
            else { return .failure(.unknownToken) }
            if let used: Int64 = row["used_ms"] { return .failure(.tokenUsed(atMs: used)) }
            let expires: Int64 = row["expires_ms"]
            guard expires > nowMs else { return .failure(.tokenExpired(atMs: expires)) }
            let owner: String = row["agent_id"]
            guard owner == agent else { return .failure(.identityMismatch(token: owner, requested: agent)) }
            if try Self.isRevoked(db, agent) { return .failure(.revoked(agent)) }
            try db.execute(sql: "UPDATE enrollment_tokens SET used_ms = ? WHERE id = ?", arguments: [nowMs, id])
            return .success(())
        }
    }

    func recordIssued(serial: String, agent: String, notAfterMs: Int64, how: String, nowMs: Int64) throws {
        try queue.write { db in
            try db.execute(
                sql: "INSERT OR REPLACE INTO issued_certificates (serial, agent_id, issued_ms, not_after_ms, how) VALUES (?, ?, ?, ?, ?)",
                arguments: [serial, agent, nowMs, notAfterMs, how])
        }
    }

    /// Refuses the agent from now on (batches, renewals, enrollment); false when already revoked.
    func revokeAgent(_ agent: String, reason: String, nowMs: Int64) throws -> Bool {
        try queue.write { db in
            try db.execute(
                sql: "INSERT OR IGNORE INTO revoked_agents (agent_id, revoked_ms, reason) VALUES (?, ?, ?)", arguments: [agent, nowMs, reason])
            revokedSnapshot.withLock { $0.readAt = nil }
            return db.changesCount == 1
        }
    }

    /// Lifts a revocation (the agent must still enroll again if its certificate was replaced).
    func reinstateAgent(_ agent: String) throws -> Bool {
        try queue.write { db in
            try db.execute(sql: "DELETE FROM revoked_agents WHERE agent_id = ?", arguments: [agent])
            revokedSnapshot.withLock { $0.readAt = nil }
            return db.changesCount == 1
        }
    }

    /// Asked by renewals and the CLI: read from the table.
    func isRevoked(_ agent: String) throws -> Bool {
        try queue.read { db in try Self.isRevoked(db, agent) }
    }

    /// Asked on every batch: the revoked set is read from the table at most once a second, so the
    /// ingest path does not queue behind the operations database's writes (fsynced activations,
    /// outbox, incidents). A revocation by `aggregator agent revoke` (another process) takes effect
    /// within a second; one made by this process at once.
    func isRevokedRecently(_ agent: String, now: ContinuousClock.Instant = .now) throws -> Bool {
        if let cached = revokedSnapshot.withLock({ s in s.readAt.map { now - $0 < .seconds(1) } == true ? s.agents : nil }) {
            return cached.contains(agent)
        }
        let agents = Set(try queue.read { db in try String.fetchAll(db, sql: "SELECT agent_id FROM revoked_agents") })
        revokedSnapshot.withLock { $0 = (agents, now) }
        return agents.contains(agent)
    }

    func revokedAgents() throws -> [(agent: String, revokedMs: Int64, reason: String)] {
        try queue.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM revoked_agents ORDER BY agent_id").map { ($0["agent_id"], $0["revoked_ms"], $0["reason"]) }
        }
    }

    private static func isRevoked(_ db: Database, _ agent: String) throws -> Bool {
        try Bool.fetchOne(db, sql: "SELECT 1 FROM revoked_agents WHERE agent_id = ?", arguments: [agent]) ?? false
    }
}

/// Why an enrollment or renewal is refused: a stable code, a message that says what to do, and
/// the HTTP status.
enum EnrollmentRefusal: Error, Hashable, CustomStringConvertible {
    case malformedToken
    case unknownToken
    case tokenUsed(atMs: Int64)
    case tokenExpired(atMs: Int64)
    case identityMismatch(token: String, requested: String)
    case revoked(String)
    case badRequest(String)

    var code: String {
        switch self {
        case .malformedToken: "malformed_token"
        case .unknownToken: "unknown_token"
        case .tokenUsed: "token_used"
        case .tokenExpired: "token_expired"
        case .identityMismatch: "identity_mismatch"
        case .revoked: "agent_revoked"
        case .badRequest: "bad_request"
        }
    }

    var status: Int {
        switch self {
        case .malformedToken, .badRequest: 400
        case .unknownToken, .tokenUsed, .tokenExpired: 401
        case .identityMismatch, .revoked: 403
        }
    }

    var description: String {
        switch self {
        case .malformedToken: "the enrollment token is not one (expected cwe_<id>_<secret>)"
        case .unknownToken: "unknown enrollment token (create one with `aggregator enroll-token create --agent ID`)"
        case .tokenUsed(let ms): "this enrollment token was already used (at \(Self.time(ms))); tokens are one-time: create a new one"
        case .tokenExpired(let ms): "this enrollment token expired at \(Self.time(ms)); create a new one"
        case .identityMismatch(let token, let requested): "the token is for agent '\(token)', not '\(requested)'"
        case .revoked(let agent): "agent '\(agent)' is revoked (`aggregator agent reinstate \(agent)` lifts it)"
        case .badRequest(let why): why
        }
    }

    static func time(_ ms: Int64) -> String { ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: Double(ms) / 1000)) }
}
