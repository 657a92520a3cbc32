/// The aggregator's answers that resending cannot change (malformed, not this agent's camera,
/// too large, wrong media type; docs/PROTOCOL.md): a batch goes to the dead-letter area, a
/// snapshot is set aside. Everything else is retried.
enum PermanentRefusal {
    static func contains(_ status: Int) -> Bool { [400, 403, 413, 415].contains(status) }
}
