import Foundation
import GRDB
import Shared
import Synchronization

/// The operations database (SQLite, WAL, synchronous FULL): activations, commands for agents and
/// the webhook outbox. An activation and everything it causes are written in one transaction, and
/// an activation id seen before writes nothing, so re-evaluating events (a restart's catch-up, a
/// second evaluator) never duplicates a command or a webhook call.
final class ActionStore: Sendable {
    let queue: DatabaseQueue
    /// Agents with commands not yet reported on: the ack path asks the database only for these.
    private let agentsWithOpenCommands = Mutex<Set<String>>([])
    /// Revoked agents as last read, and when: the batch path reads the table at most once a second.
    let revokedSnapshot = Mutex<(agents: Set<String>, readAt: ContinuousClock.Instant?)>(([], nil))

    init(path: String) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        queue = try DatabaseQueue(path: path, configuration: configuration)
        try queue.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA journal_mode = WAL")
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        try Self.migrator.migrate(queue)
        let open = try queue.read { db in
            try String.fetchAll(db, sql: "SELECT DISTINCT agent_id FROM commands WHERE status IN ('pending', 'delivered')")
        }
        agentsWithOpenCommands.withLock { $0 = Set(open) }
    }

    private static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE activations (
                  id TEXT PRIMARY KEY, scenario_id TEXT NOT NULL, title TEXT NOT NULL, domain TEXT NOT NULL,
                  severity INTEGER NOT NULL, time_ms INTEGER NOT NULL, recorded_at_ms INTEGER NOT NULL, dedup_key TEXT NOT NULL,
                  districts TEXT NOT NULL, cameras TEXT NOT NULL, reaches TEXT NOT NULL, roads TEXT NOT NULL, events TEXT NOT NULL,
                  summary TEXT NOT NULL);
                CREATE INDEX activations_by_time ON activations (time_ms);
                CREATE INDEX activations_by_scenario ON activations (scenario_id, time_ms);
                CREATE TABLE commands (
                  id TEXT PRIMARY KEY, activation_id TEXT NOT NULL, agent_id TEXT NOT NULL, camera_id TEXT NOT NULL,
                  type TEXT NOT NULL, arguments TEXT NOT NULL, issued_at_ms INTEGER NOT NULL, expires_at_ms INTEGER NOT NULL,
                  status TEXT NOT NULL, deliveries INTEGER NOT NULL DEFAULT 0, finished_at_ms INTEGER, message TEXT NOT NULL DEFAULT '');
                CREATE INDEX commands_open ON commands (agent_id, status);
                CREATE TABLE webhook_deliveries (
                  activation_id TEXT NOT NULL, webhook TEXT NOT NULL, status TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
                  next_attempt_ms INTEGER NOT NULL, created_at_ms INTEGER NOT NULL, last_error TEXT NOT NULL DEFAULT '',
                  PRIMARY KEY (activation_id, webhook));
                CREATE INDEX webhook_due ON webhook_deliveries (status, next_attempt_ms);
                """)
        }
        migrator.registerMigration("v2-incidents") { db in
            try db.execute(sql: """
                CREATE TABLE incidents (
                  id TEXT PRIMARY KEY, type TEXT NOT NULL, status TEXT NOT NULL, severity INTEGER NOT NULL, opened_ms INTEGER NOT NULL,
                  last_ms INTEGER NOT NULL, resolved_ms INTEGER, event_count INTEGER NOT NULL, cameras TEXT NOT NULL,
                  districts TEXT NOT NULL, tracks TEXT NOT NULL, timeline TEXT NOT NULL);
                CREATE INDEX incidents_by_time ON incidents (last_ms);
                CREATE INDEX incidents_by_status ON incidents (status, last_ms);
                """)
        }
        migrator.registerMigration("v3-tokens") { db in
            try db.execute(sql: """
                CREATE TABLE api_tokens (
                  id TEXT PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL, secret_sha256 TEXT NOT NULL,
                  created_ms INTEGER NOT NULL, revoked_ms INTEGER, last_used_ms INTEGER);
                """)
        }
        migrator.registerMigration("v4-enrollment") { db in
            try db.execute(sql: """
                CREATE TABLE enrollment_tokens (
                  id TEXT PRIMARY KEY, agent_id TEXT NOT NULL, secret_sha256 TEXT NOT NULL,
                  created_ms INTEGER NOT NULL, expires_ms INTEGER NOT NULL, used_ms INTEGER);
                CREATE TABLE revoked_agents (agent_id TEXT PRIMARY KEY, revoked_ms INTEGER NOT NULL, reason TEXT NOT NULL);
                CREATE TABLE issued_certificates (
                  serial TEXT PRIMARY KEY, agent_id TEXT NOT NULL, issued_ms INTEGER NOT NULL, not_after_ms INTEGER NOT NULL,
                  how TEXT NOT NULL);
                """)
        }
        return migrator
    }

    static func json<T: Encodable>(_ value: T) -> String { APIJSON.string(value) }

    static func decode<T: Decodable>(_ type: T.Type, _ text: String) -> T? {
        try? JSONDecoder().decode(type, from: Data(text.utf8))
    }

    // MARK: Activations

    /// Records an activation with its commands and deliveries; false when the id was recorded
    /// before (then nothing is written).
    @discardableResult
    func record(_ a: Activation, plan: ActionPlanner.Plan, nowMs: Int64) throws -> Bool {
        let inserted = try queue.write { db -> Bool in
            try db.execute(
                sql: """
                    INSERT INTO activations (id, scenario_id, title, domain, severity, time_ms, recorded_at_ms, dedup_key, districts,
                      cameras, reaches, roads, events, summary) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING
                    """,
                arguments: [
                    a.id, a.scenarioID, a.title, a.domain.rawValue, a.severity.rank, a.timeMs, nowMs, a.key, Self.json(a.districts),
                    Self.json(a.cameras), Self.json(a.reaches), Self.json(a.roads), Self.json(a.events), a.summary,
                ])
            guard db.changesCount == 1 else { return false }
            for c in plan.commands {
                try db.execute(
                    sql: """
                        INSERT INTO commands (id, activation_id, agent_id, camera_id, type, arguments, issued_at_ms, expires_at_ms, status)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending') ON CONFLICT DO NOTHING
                        """,
                    arguments: [c.id, c.activationID, c.agentID, c.cameraID, c.type, Self.json(c.arguments), c.issuedAtMs, c.expiresAtMs])
            }
            // Inside the write: a concurrent refresh (also a write) cannot overwrite this with an older view.
            if !plan.commands.isEmpty { agentsWithOpenCommands.withLock { $0.formUnion(plan.commands.map(\.agentID)) } }
            for webhook in plan.webhooks {
                try db.execute(
                    sql: "INSERT INTO webhook_deliveries (activation_id, webhook, status, next_attempt_ms, created_at_ms) VALUES (?, ?, 'pending', ?, ?) ON CONFLICT DO NOTHING",
                    arguments: [a.id, webhook, nowMs, nowMs])
            }
            return true
        }
        return inserted
    }

    func activations(limit: Int = 100, scenario: String? = nil) throws -> [Activation] {
        try queue.read { db in
            var sql = "SELECT * FROM activations"
            var arguments: StatementArguments = []
            if let scenario {
                sql += " WHERE scenario_id = ?"
                arguments += [scenario]
            }
            sql += " ORDER BY time_ms DESC, id LIMIT ?"
            arguments += [limit]
            return try Row.fetchAll(db, sql: sql, arguments: arguments).map(Self.activation)
        }
    }

    /// The latest activation time per (scenario, dedup key) since `sinceMs`: cooldowns survive a restart.
    func latestActivations(sinceMs: Int64) throws -> [(scenario: String, key: String, timeMs: Int64)] {
        try queue.read { db in
            try Row.fetchAll(
                db, sql: "SELECT scenario_id, dedup_key, max(time_ms) AS t FROM activations WHERE time_ms >= ? GROUP BY scenario_id, dedup_key",
                arguments: [sinceMs]
            ).map { ($0["scenario_id"], $0["dedup_key"], $0["t"]) }
        }
    }

    /// Incidents left open by a previous run: fusion's state did not survive, so they cannot
    /// grow or resolve; they are resolved at their last event. Returns how many.
    @discardableResult
    func resolveOrphanedIncidents(keeping kept: Set<String> = []) throws -> Int {
        try queue.write { db in
            var resolved = 0
            let ids = try String.fetchAll(db, sql: "SELECT id FROM incidents WHERE status IN ('open', 'acknowledged')")
            for id in ids where !kept.contains(id) {
                try db.execute(sql: "UPDATE incidents SET status = 'resolved', resolved_ms = last_ms WHERE id = ?", arguments: [id])
                resolved += db.changesCount
            }
            return resolved
        }
    }

    func activation(id: String) throws -> Activation? {
        try queue.read { db in try Row.fetchOne(db, sql: "SELECT * FROM activations WHERE id = ?", arguments: [id]).map(Self.activation) }
    }

    private static func activation(_ row: Row) -> Activation {
        Activation(
            id: row["id"], scenarioID: row["scenario_id"], title: row["title"],
            domain: EventKindDescriptor.Domain(rawValue: row["domain"]) ?? .security,
            severity: Severity(rank: row["severity"]) ?? .medium, timeMs: row["time_ms"], key: row["dedup_key"],
            districts: decode([String].self, row["districts"]) ?? [], cameras: decode([String].self, row["cameras"]) ?? [],
            reaches: decode([String].self, row["reaches"]) ?? [], roads: decode([String].self, row["roads"]) ?? [],
            events: decode([EventReference].self, row["events"]) ?? [], summary: row["summary"])
    }

    // MARK: Retention

    /// Deletes what is finished and older than `cutoffMs`: activations, commands no longer open,
    /// webhook deliveries no longer pending, resolved incidents. Returns how many rows went.
    @discardableResult
    func prune(olderThan cutoffMs: Int64) throws -> Int {
        try queue.write { db in
            var n = 0
            try db.execute(sql: "DELETE FROM webhook_deliveries WHERE status != 'pending' AND created_at_ms < ?", arguments: [cutoffMs])
            n += db.changesCount
            try db.execute(sql: "DELETE FROM commands WHERE status NOT IN ('pending', 'delivered') AND issued_at_ms < ?", arguments: [cutoffMs])
            n += db.changesCount
            try db.execute(
                sql: """
                    DELETE FROM activations WHERE time_ms < ?
                      AND id NOT IN (SELECT activation_id FROM webhook_deliveries WHERE status = 'pending')
                      AND id NOT IN (SELECT activation_id FROM commands WHERE status IN ('pending', 'delivered'))
                    """,
                arguments: [cutoffMs])
            n += db.changesCount
            try db.execute(sql: "DELETE FROM incidents WHERE status = 'resolved' AND last_ms < ?", arguments: [cutoffMs])
            n += db.changesCount
            return n
        }
    }

    // MARK: Incidents

    /// Inserts or replaces incidents (fusion's latest view of each), in one transaction.
    func save(_ incidents: [Incident]) throws {
        guard !incidents.isEmpty else { return }
        try queue.write { db in
            for i in incidents {
                try db.execute(
                    sql: """
                        INSERT INTO incidents (id, type, status, severity, opened_ms, last_ms, resolved_ms, event_count, cameras, districts,
                          tracks, timeline) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        ON CONFLICT (id) DO UPDATE SET status = CASE WHEN incidents.status = 'acknowledged' AND excluded.status = 'open'
                          THEN 'acknowledged' WHEN incidents.status = 'resolved' THEN 'resolved' ELSE excluded.status END, severity = max(incidents.severity, excluded.severity),
                          opened_ms = excluded.opened_ms, last_ms = excluded.last_ms,
                          resolved_ms = CASE WHEN incidents.status = 'resolved' THEN incidents.resolved_ms ELSE excluded.resolved_ms END,
                          event_count = excluded.event_count, cameras = excluded.cameras, districts = excluded.districts,
                          tracks = excluded.tracks, timeline = excluded.timeline
                        """,
                    arguments: [
                        i.id, i.type, i.status.rawValue, i.severity.rank, i.openedMs, i.lastMs, i.resolvedMs, i.eventCount, Self.json(i.cameras),
                        Self.json(i.districts), Self.json(i.tracks), Self.json(i.timeline),
                    ])
            }
        }
    }

    func incidents(limit: Int = 100, status: Incident.Status? = nil, id: String? = nil) throws -> [Incident] {
        try queue.read { db in
            var conditions: [String] = []
            var arguments: [any DatabaseValueConvertible] = []
            if let status { conditions.append("status = ?"); arguments.append(status.rawValue) }
            if let id { conditions.append("id = ?"); arguments.append(id) }
            arguments.append(limit)
            let filter = conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
            let rows = try Row.fetchAll(
                db, sql: "SELECT * FROM incidents\(filter) ORDER BY last_ms DESC, id LIMIT ?", arguments: StatementArguments(arguments))
            return rows.map { row in
                Incident(
                    id: row["id"], type: row["type"], status: Incident.Status(rawValue: row["status"]) ?? .open,
                    severity: Severity(rank: row["severity"]) ?? .medium, openedMs: row["opened_ms"], lastMs: row["last_ms"],
                    resolvedMs: row["resolved_ms"], cameras: Self.decode([String].self, row["cameras"]) ?? [],
                    districts: Self.decode([String].self, row["districts"]) ?? [], tracks: Self.decode([String].self, row["tracks"]) ?? [],
                    eventCount: row["event_count"], timeline: Self.decode([Incident.Entry].self, row["timeline"]) ?? [])
            }
        }
    }

    // MARK: Commands

    /// The commands to put in this agent's ack: not reported on, not expired. Each is marked
    /// delivered; it is sent again in later acks until the agent reports on it (an ack can be lost).
    func openCommands(agent: String, nowMs: Int64) throws -> [Command] {
        guard agentsWithOpenCommands.withLock({ $0.contains(agent) }) else { return [] }
        return try queue.write { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT id, camera_id, type, arguments, issued_at_ms, expires_at_ms FROM commands
                    WHERE agent_id = ? AND status IN ('pending', 'delivered') AND expires_at_ms > ? ORDER BY issued_at_ms, id LIMIT 100
                    """,
                arguments: [agent, nowMs])
            for row in rows {
                try db.execute(sql: "UPDATE commands SET status = 'delivered', deliveries = deliveries + 1 WHERE id = ?", arguments: [row["id"] as String])
            }
            return rows.map { row in
                Command(
                    id: row["id"], type: row["type"], cameraID: row["camera_id"],
                    arguments: Self.decode([String: String].self, row["arguments"]) ?? [:], issuedAtMs: row["issued_at_ms"],
                    expiresAtMs: row["expires_at_ms"])
            }
        }
    }

    /// Applies an agent's reports; a report on another agent's command, or on one already
    /// finished, changes nothing. Returns how many reports applied.
    @discardableResult
    func recordResults(agent: String, _ results: [CommandResult], nowMs: Int64) throws -> Int {
        guard !results.isEmpty else { return 0 }
        let applied = try queue.write { db -> Int in
            var applied = 0
            for r in results {
                try db.execute(
                    sql: """
                        UPDATE commands SET status = ?, message = ?, finished_at_ms = ?
                        WHERE id = ? AND agent_id = ? AND status IN ('pending', 'delivered')
                        """,
                    arguments: [r.status.rawValue, r.message, r.finishedAtMs == 0 ? nowMs : r.finishedAtMs, r.commandID, agent])
                applied += db.changesCount
            }
            try refreshOpenAgents(db)
            return applied
        }
        return applied
    }

    /// Marks commands past their deadline expired; returns how many.
    @discardableResult
    func expireCommands(nowMs: Int64) throws -> Int {
        let n = try queue.write { db in
            try db.execute(
                sql: "UPDATE commands SET status = 'expired', finished_at_ms = ? WHERE status IN ('pending', 'delivered') AND expires_at_ms <= ?",
                arguments: [nowMs, nowMs])
            let n = db.changesCount
            if n > 0 { try refreshOpenAgents(db) }
            return n
        }
        return n
    }

    /// Called inside a write, so that it and `record`'s update of the set are serialised.
    private func refreshOpenAgents(_ db: Database) throws {
        let open = try String.fetchAll(db, sql: "SELECT DISTINCT agent_id FROM commands WHERE status IN ('pending', 'delivered')")
        agentsWithOpenCommands.withLock { $0 = Set(open) }
    }

    func commands(activation: String? = nil) throws -> [AgentCommand] {
        try queue.read { db in
            let rows = try Row.fetchAll(
                db, sql: "SELECT * FROM commands\(activation == nil ? "" : " WHERE activation_id = ?") ORDER BY issued_at_ms, id",
                arguments: activation.map { [$0] } ?? [])
            return rows.map { row in
                AgentCommand(
                    id: row["id"], activationID: row["activation_id"], agentID: row["agent_id"], cameraID: row["camera_id"],
                    type: row["type"], arguments: Self.decode([String: String].self, row["arguments"]) ?? [:],
                    issuedAtMs: row["issued_at_ms"], expiresAtMs: row["expires_at_ms"],
                    status: AgentCommand.Status(rawValue: row["status"]) ?? .pending, deliveries: row["deliveries"],
                    finishedAtMs: row["finished_at_ms"], message: row["message"])
            }
        }
    }

    // MARK: Webhook outbox

    /// Deliveries due at `nowMs`, oldest first, with their activations.
    func dueDeliveries(nowMs: Int64, limit: Int) throws -> [(WebhookDelivery, Activation)] {
        let due = try queue.read { db in
            try Row.fetchAll(
                db,
                sql: "SELECT * FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_ms <= ? ORDER BY next_attempt_ms LIMIT ?",
                arguments: [nowMs, limit]
            ).map(Self.delivery)
        }
        var result: [(WebhookDelivery, Activation)] = []
        for d in due {
            if let a = try activation(id: d.activationID) { result.append((d, a)) }
        }
        return result
    }

    func deliveries() throws -> [WebhookDelivery] {
        try queue.read { db in try Row.fetchAll(db, sql: "SELECT * FROM webhook_deliveries ORDER BY created_at_ms").map(Self.delivery) }
    }

    /// Updates a delivery after an attempt.
    func updateDelivery(_ d: WebhookDelivery) throws {
        try queue.write { db in
            try db.execute(
                sql: "UPDATE webhook_deliveries SET status = ?, attempts = ?, next_attempt_ms = ?, last_error = ? WHERE activation_id = ? AND webhook = ?",
                arguments: [d.status.rawValue, d.attempts, d.nextAttemptMs, d.lastError, d.activationID, d.webhook])
        }
    }

    private static func delivery(_ row: Row) -> WebhookDelivery {
        WebhookDelivery(
            activationID: row["activation_id"], webhook: row["webhook"], status: WebhookDelivery.Status(rawValue: row["status"]) ?? .pending,
            attempts: row["attempts"], nextAttemptMs: row["next_attempt_ms"], createdAtMs: row["created_at_ms"], lastError: row["last_error"])
    }
}
