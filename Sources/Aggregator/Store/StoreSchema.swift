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
    /// migrations (v1, v2, v3) are built from it: never change what it produces.
    static func eventsTable(_ name: String, bigint: String, autoincrementKey: String, unique: Bool = true) -> String {
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
            snapshot TEXT\(unique ? ",\n    UNIQUE (agent_id, event_id)" : "")
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
            eventsView,
        ]
    }

    static let eventsView = """
        CREATE VIEW events AS
            SELECT row_id, \(eventInsertColumns) FROM events_indexed
            UNION ALL
            SELECT row_id, \(eventInsertColumns) FROM events_recent
        """

    /// SQLite's migration v3: the recent tier loses its two indexes, which were about half of what
    /// a commit cost the one writer (a `perf` profile; the commit ceiling `bench ingest` prints rose
    /// from 78k to 120k events/s without them). Appending a row now touches only the table's
    /// own tree. The duplicate check moves to `recent_ranges`: one row per committed batch, its
    /// agent's smallest and largest event id and the row ids its events got. A batch whose ids
    /// overlap no range of its agent (a live stream: ids grow) has nothing in the recent tier;
    /// one that overlaps (a resend, or a backlog shipped highest severity first) is checked
    /// exactly, within those row ids. Ranges go when the indexer has
    /// moved their rows. Existing recent rows get one range per agent (wider than needed, which
    /// only costs an exact check). Reading the recent tier scans it: it holds a bounded backlog.
    static func unindexedRecentTier(bigint: String, autoincrementKey: String) -> [String] {
        [
            "DROP VIEW events",
            eventsTable("events_recent_v3", bigint: bigint, autoincrementKey: autoincrementKey, unique: false),
            "INSERT INTO events_recent_v3 (row_id, \(eventInsertColumns)) SELECT row_id, \(eventInsertColumns) FROM events_recent ORDER BY row_id",
            "DROP TABLE events_recent",
            "ALTER TABLE events_recent_v3 RENAME TO events_recent",
            """
            CREATE TABLE recent_ranges (
                agent_id TEXT NOT NULL,
                first_event_id \(bigint) NOT NULL,
                last_event_id \(bigint) NOT NULL,
                first_row_id \(bigint) NOT NULL,
                last_row_id \(bigint) NOT NULL
            )
            """,
            "CREATE INDEX recent_ranges_agent ON recent_ranges (agent_id, last_event_id)",
            "CREATE INDEX recent_ranges_row ON recent_ranges (last_row_id)",
            """
            INSERT INTO recent_ranges (agent_id, first_event_id, last_event_id, first_row_id, last_row_id)
                SELECT agent_id, min(event_id), max(event_id), min(row_id), max(row_id) FROM events_recent GROUP BY agent_id
            """,
            eventsView,
        ]
    }

    /// SQLite's migration v4: the recent tier keeps one row per batch (`RecentBatch`), not one
    /// per event. A commit then writes one record and the batch's body instead of a 22-column row
    /// per event, which bounded the one writer (`bench ingest`); the indexer expands batches into
    /// `events_indexed`. The v3 tier's rows move into the indexed table during the upgrade.
    /// The `events` view is the indexed table alone: SQL sees an event once the indexer has moved
    /// it (within `RecentIndexingPolicy.maxLagMs`, sooner in a lull); the store's own queries read
    /// both tiers.
    static func batchRecentTier() -> [String] {
        [
            "DROP VIEW events",
            """
            INSERT INTO events_indexed (\(eventInsertColumns))
                SELECT \(eventInsertColumns) FROM events_recent WHERE true ORDER BY row_id ON CONFLICT DO NOTHING
            """,
            "DROP TABLE events_recent",
            "DROP TABLE recent_ranges",
            recentBatchesTable("recent_batches"),
            // The duplicate check's probe: an agent's batches whose ids reach up to the new batch's.
            "CREATE INDEX recent_batches_agent ON recent_batches (agent_id, last_event_id)",
            // Where the indexer puts a batch it cannot read (never expected: it would be a bug or
            // corruption), so that one bad row does not stop every later move.
            recentBatchesTable("recent_batches_unreadable", extra: ",\n    error TEXT NOT NULL"),
            "CREATE VIEW events AS SELECT row_id, \(eventInsertColumns) FROM events_indexed",
        ]
    }

    /// The recent tier's table (`RecentBatch`); `extra` adds columns. Published in SQLite's v4 and
    /// PostgreSQL's v2: never change what it produces.
    static func recentBatchesTable(
        _ name: String, bigint: String = "INTEGER", blob: String = "BLOB", key: String = "INTEGER PRIMARY KEY", extra: String = ""
    ) -> String {
        """
        CREATE TABLE \(name) (
            row_id \(key),
            agent_id TEXT NOT NULL,
            batch_seq \(bigint) NOT NULL,
            received_at_ms \(bigint) NOT NULL,
            event_count INTEGER NOT NULL,
            first_event_id \(bigint) NOT NULL,
            last_event_id \(bigint) NOT NULL,
            first_capture_ms \(bigint) NOT NULL,
            last_capture_ms \(bigint) NOT NULL,
            cameras TEXT NOT NULL,
            event_ids \(blob) NOT NULL,
            events \(blob) NOT NULL\(extra)
        )
        """
    }

    /// PostgreSQL's migration v2: the same batch tier as SQLite's v4 (commits store one row per
    /// batch, the indexer expands them into `events`). Unlike SQLite, `events` stays a table.
    static func postgresBatchRecentTier() -> [String] {
        [
            recentBatchesTable("recent_batches", bigint: "BIGINT", blob: "BYTEA", key: "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY"),
            "CREATE INDEX recent_batches_agent ON recent_batches (agent_id, last_event_id)",
            recentBatchesTable(
                "recent_batches_unreadable", bigint: "BIGINT", blob: "BYTEA", key: "BIGINT PRIMARY KEY", extra: ",\n    error TEXT NOT NULL"),
        ]
    }

    /// SQLite: every stored event, both tiers.
    static let countSQL = "SELECT (SELECT count(*) FROM events_indexed) + (SELECT coalesce(sum(event_count), 0) FROM recent_batches)"

    /// Per camera, the latest capture time in either tier (the indexed one through its index, the
    /// recent one from each batch's camera list).
    static let lastEventTimesSQL = """
        SELECT camera_id, max(t) AS t FROM (
            SELECT camera_id, max(capture_time_ms) AS t FROM events_indexed GROUP BY camera_id
            UNION ALL
            SELECT json_extract(c.value, '$[0]') AS camera_id, max(json_extract(c.value, '$[2]')) AS t
                FROM recent_batches, json_each(recent_batches.cameras) AS c GROUP BY 1
        ) AS latest GROUP BY camera_id
        """

    static let eventInsertColumns = EventRow.columns.joined(separator: ", ")
}
