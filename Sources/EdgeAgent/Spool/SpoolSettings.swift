/// How the spool keeps events: its byte cap, segment size and commit policy.
package struct SpoolSettings: Sendable, Hashable {
    package enum Commit: Sendable, Hashable {
        /// Group commit: appends are buffered and made durable together every interval.
        case interval(milliseconds: Int)
        /// Every append is durable before it returns.
        case always
    }

    /// Hard cap on the spool's files; beyond it the lowest-severity, oldest segment is evicted.
    package var maxBytes = 1 << 30
    /// A segment is closed and a new one started past this size (at most an eighth of the cap).
    package var segmentBytes = 8 << 20
    package var commit = Commit.interval(milliseconds: 200)

    package init() {}

    var effectiveSegmentBytes: Int { max(4096, min(segmentBytes, maxBytes / 8)) }
}
