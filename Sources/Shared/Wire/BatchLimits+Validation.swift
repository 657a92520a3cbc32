extension BatchLimits {
    /// Largest `batch_seq`: stores keep it as a signed 64-bit integer (SQL has no unsigned one).
    public static let maxBatchSeq = UInt64(Int64.max)

    /// Checks a batch against the rules the aggregator's decoder enforces, so that an agent finds a
    /// bad event when it makes it instead of having the whole batch refused (and dead-lettered).
    /// Errors name the field as the decoder would.
    public func validate(_ batch: EventBatch) throws(BatchError) {
        guard !batch.agentID.isEmpty, batch.agentID.utf8.count <= maxAgentIDBytes else {
            throw .invalid("agent_id", "must be 1...\(maxAgentIDBytes) bytes")
        }
        guard batch.batchSeq > 0, batch.batchSeq <= Self.maxBatchSeq else {
            throw .invalid("batch_seq", "must be 1...\(Self.maxBatchSeq)")
        }
        guard batch.events.count <= maxEvents else { throw .tooManyEvents(batch.events.count, limit: maxEvents) }
        // The aggregator's checks, so that a health report can never get a batch of events refused.
        if let health = batch.health { _ = try AgentHealth(wire: health.wire, limits: self) }
        var previous: UInt64 = 0
        for (i, event) in batch.events.enumerated() {
            try validate(event, index: i)
            guard event.id > previous else { throw .invalid("events.event_id_delta[\(i)]", "event ids must increase") }
            previous = event.id
        }
    }

    public func validate(_ event: Event, index i: Int = 0) throws(BatchError) {
        guard event.id >= 1, event.id <= UInt64(Int64.max) else { throw .invalid("events.event_id_delta[\(i)]", "event id out of range") }
        guard event.lifecycleID >= 1, event.lifecycleID <= event.id else {
            throw .invalid("events.lifecycle_back[\(i)]", "lifecycle id must be 1...event id")
        }
        guard event.captureTimeMs >= 0 else { throw .invalid("events.capture_time_delta_ms[\(i)]", "capture time before 1970") }
        try checkString(event.cameraID, "camera", i, nonEmpty: true)
        try checkString(event.kind.rawValue, "kind", i, nonEmpty: true)
        if let zone = event.zone { try checkString(zone, "zone", i, nonEmpty: true) }
        if let snapshot = event.snapshot { try checkString(snapshot, "snapshot", i, nonEmpty: true) }
        guard event.attributes.count <= maxAttributesPerEvent else {
            throw .invalid("events.attribute_count[\(i)]", "\(event.attributes.count) attributes, the limit is \(maxAttributesPerEvent)")
        }
        for (key, value) in event.attributes {
            try checkString(key, "attribute_key_type", i, nonEmpty: true)
            switch value {
            case .string(let s): try checkString(s, "attribute_string", i)
            case .double(let d) where !d.isFinite: throw .invalid("events.attribute_double[\(i)]", "\(d) is not a finite number")
            default: break
            }
        }
    }

    private func checkString(_ s: String, _ column: String, _ i: Int, nonEmpty: Bool = false) throws(BatchError) {
        if nonEmpty, s.isEmpty { throw .invalid("events.\(column)[\(i)]", "must not be empty") }
        guard s.utf8.count <= maxStringBytes else {
            throw .invalid("events.\(column)[\(i)]", "\(s.utf8.count) bytes, the limit is \(maxStringBytes)")
        }
        guard !s.containsNUL else { throw .invalid("events.\(column)[\(i)]", "contains a NUL character (U+0000)") }
    }
}
