import Foundation

/// Polls `condition` every 200 ms until it holds or `timeout` passes; returns its last answer.
/// A bounded wait, not a timing: a loaded machine only makes it take longer.
public func eventually(_ timeout: Duration, _ condition: () throws -> Bool) async throws -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try condition() { return true }
        try await Task.sleep(for: .milliseconds(200))
    }
    return try condition()
}

/// The ids an agent run with `--durable-ids FILE` journalled as durable (the conservation oracle).
public func durableIDs(journal: String) -> Set<Int64> {
    let text = (try? String(contentsOfFile: journal, encoding: .utf8)) ?? ""
    return Set(text.split(separator: "\n").compactMap { UInt64($0) }.map { Int64(bitPattern: $0) })
}
