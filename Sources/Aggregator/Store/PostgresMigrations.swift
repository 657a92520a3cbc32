import Logging
import PostgresNIO

/// Schema versions for PostgreSQL, applied in order inside the caller's transaction. A
/// transaction-scoped advisory lock serialises aggregators starting at once against one
/// database; `citywatch_migrations` records what is applied (the SQLite store uses GRDB's
/// migrator, which keeps its own table).
enum PostgresMigrations {
    /// Append only: a published migration never changes.
    static let all: [(id: String, statements: [String])] = [
        ("v1", StoreSchema.statements(bigint: "BIGINT", autoincrementKey: "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY")),
        ("v2", StoreSchema.postgresBatchRecentTier()),
    ]

    /// An arbitrary, fixed key for `pg_advisory_xact_lock`.
    static let lockKey: Int64 = 0x6369_7479_7761_7463

    static func migrate(_ connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("SELECT pg_advisory_xact_lock(\(lockKey))", logger: logger)
        try await connection.query(
            "CREATE TABLE IF NOT EXISTS citywatch_migrations (id TEXT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())",
            logger: logger)
        var applied = Set<String>()
        for try await id in try await connection.query("SELECT id FROM citywatch_migrations", logger: logger).decode(String.self) {
            applied.insert(id)
        }
        for migration in all where !applied.contains(migration.id) {
            for statement in migration.statements {
                try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
            }
            try await connection.query("INSERT INTO citywatch_migrations (id) VALUES (\(migration.id))", logger: logger)
            logger.notice("PostgreSQL schema migrated", metadata: ["migration": "\(migration.id)"])
        }
    }
}
