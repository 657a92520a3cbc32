import Foundation
import GRDB

/// API tokens in the operations database.
extension ActionStore {
    /// Stores a new token; returns it and the text to show once.
    func createToken(name: String, role: APIToken.Role, nowMs: Int64) throws -> (APIToken, String) {
        let (id, secret, text) = APIToken.generate()
        try queue.write { db in
            try db.execute(
                sql: "INSERT INTO api_tokens (id, name, role, secret_sha256, created_ms) VALUES (?, ?, ?, ?, ?)",
                arguments: [id, name, role.rawValue, APIToken.digest(secret), nowMs])
        }
        return (APIToken(id: id, name: name, role: role, createdMs: nowMs), text)
    }

    func tokens() throws -> [APIToken] {
        try queue.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM api_tokens ORDER BY created_ms, id").map(Self.token)
        }
    }

    /// Revokes a token by id; false when there is no such (unrevoked) token.
    func revokeToken(id: String, nowMs: Int64) throws -> Bool {
        try queue.write { db in
            try db.execute(sql: "UPDATE api_tokens SET revoked_ms = ? WHERE id = ? AND revoked_ms IS NULL", arguments: [nowMs, id])
            return db.changesCount == 1
        }
    }

    /// The live token a presented text stands for (revocation takes effect at once: every request
    /// asks the database). The secret is compared as digests, in constant time.
    func authenticate(_ text: String) throws -> APIToken? {
        guard let (id, secret) = APIToken.parse(text) else { return nil }
        guard let row = try queue.read({ db in try Row.fetchOne(db, sql: "SELECT * FROM api_tokens WHERE id = ?", arguments: [id]) }) else {
            return nil
        }
        let stored: String = row["secret_sha256"]
        let presented = APIToken.digest(secret)
        guard APIToken.same(stored, presented) else { return nil }
        let token = Self.token(row)
        return token.revokedMs == nil ? token : nil
    }

    private static func token(_ row: Row) -> APIToken {
        APIToken(
            id: row["id"], name: row["name"], role: APIToken.Role(rawValue: row["role"]) ?? .viewer, createdMs: row["created_ms"],
            revokedMs: row["revoked_ms"], lastUsedMs: row["last_used_ms"])
    }

    // MARK: Operator actions on incidents

    /// `acknowledged` or `resolved` by an operator; nil when there is no such incident.
    func setIncidentStatus(id: String, to status: Incident.Status, nowMs: Int64) throws -> Incident? {
        try queue.write { db in
            if status == .resolved {
                try db.execute(sql: "UPDATE incidents SET status = 'resolved', resolved_ms = coalesce(resolved_ms, ?) WHERE id = ?", arguments: [nowMs, id])
            } else {
                try db.execute(sql: "UPDATE incidents SET status = ? WHERE id = ? AND status != 'resolved'", arguments: [status.rawValue, id])
            }
        }
        return try incident(id: id)
    }

    func incident(id: String) throws -> Incident? {
        try incidents(limit: 1, id: id).first
    }
}
