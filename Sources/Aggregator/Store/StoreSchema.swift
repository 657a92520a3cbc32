/// The event store's schema, written once for both engines (types that both understand:
/// INTEGER/BIGINT differences are spelled per engine). Queries to come filter by time range ×
/// district × camera × kind, newest first: one index per filter, each ending in capture time.
enum StoreSchema {
    static func statements(bigint: String, autoincrementKey: String) -> [String] {
        [
            """
            CREATE TABLE agents (
                agent_id TEXT PRIMARY KEY,
                committed_seq \(bigint) NOT NULL,
                last_seen_ms \(bigint) NOT NULL,
                agent_version TEXT NOT NULL DEFAULT '',
                batches \(bigint) NOT NULL DEFAULT 0,
                events \(bigint) NOT NULL DEFAULT 0,
                evicted_events \(bigint) NOT NULL DEFAULT 0
            )
            """,
            """
            CREATE TABLE batches (
                agent_id TEXT NOT NULL,
                batch_seq \(bigint) NOT NULL,
                received_at_ms \(bigint) NOT NULL,
                event_count INTEGER NOT NULL,
                PRIMARY KEY (agent_id, batch_seq)
            )
            """,
            eventsTable("events", bigint: bigint, autoincrementKey: autoincrementKey),
            "CREATE INDEX batches_received ON batches (received_at_ms)",
            "CREATE INDEX events_time ON events (capture_time_ms)",
            "CREATE INDEX events_district_time ON events (district_id, capture_time_ms)",
            "CREATE INDEX events_camera_time ON events (camera_id, capture_time_ms)",
            "CREATE INDEX events_kind_time ON events (kind, capture_time_ms)",
        ]
    }

    /// One events table (the indexed one and the recent one have the same columns). Published
    /// migrations (v1, v2) are built from it: never change what it produces.
    static func eventsTable(_ name: String, bigint: String, autoincrementKey: String) -> String {
        """
            CREATE TABLE \(name) (
            row_id \(autoincrementKey),
            agent_id TEXT NOT NULL,
            event_id \(bigint) NOT NULL,
            lifecycle_id \(bigint) NOT NULL,
            batch_seq \(bigint) NOT NULL,
            camera_id TEXT NOT NULL,
            district_id TEXT NOT NULL,
            kind TEXT NOT NULL,
            phase TEXT NOT NULL,
            severity TEXT NOT NULL,
            severity_rank INTEGER NOT NULL,
            capture_time_ms \(bigint) NOT NULL,
            agent_time_ms \(bigint) NOT NULL,
            received_at_ms \(bigint) NOT NULL,
            track_id \(bigint) NOT NULL,
            box_x INTEGER, box_y INTEGER, box_w INTEGER, box_h INTEGER,
            zone TEXT,
            confidence_permille INTEGER NOT NULL,
            attributes TEXT NOT NULL,
            snapshot TEXT,
            UNIQUE (agent_id, event_id)
        )
        """
    }

    /// SQLite's migration v2, the recent tier (docs/PROTOCOL.md, "Two tiers"; PostgreSQL keeps its
    /// one `events` table, see `PostgresEventStore`): commits append to
    /// `events_recent`, which has only the duplicate check and a time index; `RecentIndexer` moves
    /// its rows into `events_indexed` (the v1 table, renamed) in large transactions. The view
    /// `events` is both, so readers (the store's queries, operators' SQL) see every committed event.
    static func recentTier(bigint: String, autoincrementKey: String) -> [String] {
        [
            "ALTER TABLE events RENAME TO events_indexed",
            eventsTable("events_recent", bigint: bigint, autoincrementKey: autoincrementKey),
            "CREATE INDEX events_recent_time ON events_recent (capture_time_ms)",
            """
            CREATE VIEW events AS
                SELECT row_id, \(eventInsertColumns) FROM events_indexed
                UNION ALL
                SELECT row_id, \(eventInsertColumns) FROM events_recent
            """,
        ]
    }

    /// SQLite: the two tables behind the `events` view, oldest events first. Writes name them (a
    /// UNION ALL view takes no DELETE).
    static let eventTables = ["events_indexed", "events_recent"]

    static let countSQL = "SELECT (SELECT count(*) FROM events_indexed) + (SELECT count(*) FROM events_recent)"

    /// Per camera, the latest capture time in either tier (each answered by its own index).
    static let lastEventTimesSQL = """
        SELECT camera_id, max(t) AS t FROM (
            SELECT camera_id, max(capture_time_ms) AS t FROM events_indexed GROUP BY camera_id
            UNION ALL
            SELECT camera_id, max(capture_time_ms) AS t FROM events_recent GROUP BY camera_id
        ) AS latest GROUP BY camera_id
        """

    static let eventInsertColumns = EventRow.columns.joined(separator: ", ")
}
