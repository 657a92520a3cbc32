/// Turns `EventColumns` back into events, validating every column against the batch limits.
///
/// Each failure names the column and the event index (`events.box[12]`), so a sender can find the
/// bug. A per-event column may be empty when the writer had nothing to put in it (all defaults).
struct ColumnarDecoder {
    let limits: BatchLimits

    func decode(_ message: Citywatch_V1_EventColumns) throws(BatchError) -> [Event] {
        let c = Columns(message)
        let n = Int(c.count)
        guard n <= limits.maxEvents else { throw .tooManyEvents(n, limit: limits.maxEvents) }
        let strings = c.strings
        for (i, s) in strings.enumerated() {
            if s.utf8.count > limits.maxStringBytes {
                throw .invalid("events.strings[\(i)]", "\(s.utf8.count) bytes, the limit is \(limits.maxStringBytes)")
            }
            // Valid UTF-8, but no store's text takes it (PostgreSQL refuses it) and no name needs it.
            if s.containsNUL { throw .invalid("events.strings[\(i)]", "contains a NUL character (U+0000)") }
        }
        if let first = strings.first, !first.isEmpty {
            throw .invalid("events.strings[0]", "must be the empty string")
        }
        if n == 0 {
            // A batch that says "no events" must not carry any: otherwise events would be acked and lost.
            let columns: [Int] = [
                c.eventIDDelta.count, c.lifecycleBack.count, c.camera.count, c.kind.count, c.phase.count,
                c.captureTimeDeltaMs.count, c.agentTimeOffsetMs.count, c.trackID.count, c.flags.count, c.box.count,
                c.zone.count, c.confidencePermille.count, c.severity.count, c.attributeCount.count,
                c.attributeKeyType.count, c.attributeInt.count, c.attributeDouble.count, c.attributeDecimalMilli.count,
                c.attributeString.count, c.snapshot.count,
            ]
            guard columns.allSatisfy({ $0 == 0 }) else { throw .invalid("events.count", "0, but the columns hold events") }
            return []
        }

        try requireCount(c.eventIDDelta.count, n, "event_id_delta", required: true)
        try requireCount(c.camera.count, n, "camera", required: true)
        try requireCount(c.kind.count, n, "kind", required: true)
        try requireCount(c.captureTimeDeltaMs.count, n, "capture_time_delta_ms", required: true)
        try requireCount(c.lifecycleBack.count, n, "lifecycle_back")
        try requireCount(c.phase.count, n, "phase")
        try requireCount(c.agentTimeOffsetMs.count, n, "agent_time_offset_ms")
        try requireCount(c.trackID.count, n, "track_id")
        try requireCount(c.flags.count, n, "flags")
        try requireCount(c.confidencePermille.count, n, "confidence_permille")
        try requireCount(c.severity.count, n, "severity")
        try requireCount(c.attributeCount.count, n, "attribute_count")

        var events: [Event] = []
        events.reserveCapacity(n)
        var id: Int64 = 0
        var time: Int64 = 0
        var boxAt = 0, zoneAt = 0, snapshotAt = 0
        var attrAt = 0, intAt = 0, doubleAt = 0, milliAt = 0, stringAt = 0

        for i in 0..<n {
            let (nextID, idOverflow) = id.addingReportingOverflow(c.eventIDDelta[i])
            guard !idOverflow, nextID > 0 else { throw .invalid("events.event_id_delta[\(i)]", "event id out of range") }
            guard i == 0 || nextID > id else { throw .invalid("events.event_id_delta[\(i)]", "event ids must increase") }
            id = nextID
            let (nextTime, timeOverflow) = time.addingReportingOverflow(c.captureTimeDeltaMs[i])
            guard !timeOverflow, nextTime >= 0 else {
                throw .invalid("events.capture_time_delta_ms[\(i)]", "capture time out of range")
            }
            time = nextTime
            let eventID = UInt64(id)
            let back = c.lifecycleBack.isEmpty ? 0 : c.lifecycleBack[i]
            guard back < eventID else { throw .invalid("events.lifecycle_back[\(i)]", "points before event id 1") }

            let camera = try string(strings, c.camera[i], "camera", i, nonEmpty: true)
            let kind = try string(strings, c.kind[i], "kind", i, nonEmpty: true)
            let phase = try phase(c.phase.isEmpty ? .start : c.phase[i], i)
            let offset = c.agentTimeOffsetMs.isEmpty ? 0 : c.agentTimeOffsetMs[i]
            let (agentTime, agentOverflow) = time.addingReportingOverflow(offset)
            guard !agentOverflow else { throw .invalid("events.agent_time_offset_ms[\(i)]", "out of range") }
            let flags = c.flags.isEmpty ? 0 : c.flags[i]
            guard flags & ~7 == 0 else { throw .invalid("events.flags[\(i)]", "unknown flag bits \(flags)") }

            var box: BoundingBox?
            if flags & 1 != 0 {
                guard boxAt + 4 <= c.box.count else { throw .invalid("events.box[\(i)]", "column is too short") }
                let x = c.box[boxAt], y = c.box[boxAt + 1], w = c.box[boxAt + 2], h = c.box[boxAt + 3]
                boxAt += 4
                let scale = UInt32(BoundingBox.scale)
                guard x <= scale, y <= scale, w <= scale - x, h <= scale - y else {
                    throw .invalid("events.box[\(i)]", "box (\(x), \(y), \(w), \(h)) leaves the frame (0...\(scale))")
                }
                box = BoundingBox(xUnits: UInt16(x), yUnits: UInt16(y), widthUnits: UInt16(w), heightUnits: UInt16(h))
            }
            var zone: String?
            if flags & 2 != 0 {
                guard zoneAt < c.zone.count else { throw .invalid("events.zone[\(i)]", "column is too short") }
                zone = try string(strings, c.zone[zoneAt], "zone", i, nonEmpty: true)
                zoneAt += 1
            }
            var snapshot: String?
            if flags & 4 != 0 {
                guard snapshotAt < c.snapshot.count else { throw .invalid("events.snapshot[\(i)]", "column is too short") }
                snapshot = try string(strings, c.snapshot[snapshotAt], "snapshot", i, nonEmpty: true)
                snapshotAt += 1
            }
            let permille = c.confidencePermille.isEmpty ? 1000 : c.confidencePermille[i]
            guard permille <= 1000 else { throw .invalid("events.confidence_permille[\(i)]", "\(permille) > 1000") }
            let severity = try severity(c.severity.isEmpty ? nil : c.severity[i], kind: kind, i)

            var attributes = Attributes()
            let attributeCount = c.attributeCount.isEmpty ? 0 : Int(c.attributeCount[i])
            if attributeCount > 0 {
                guard attributeCount <= limits.maxAttributesPerEvent else {
                    throw .invalid(
                        "events.attribute_count[\(i)]",
                        "\(attributeCount) attributes, the limit is \(limits.maxAttributesPerEvent)")
                }
                guard attrAt + attributeCount <= c.attributeKeyType.count else {
                    throw .invalid("events.attribute_key_type[\(i)]", "column is too short")
                }
                attributes.reserveCapacity(attributeCount)
                for _ in 0..<attributeCount {
                    let keyType = c.attributeKeyType[attrAt]
                    attrAt += 1
                    guard keyType >> 3 <= UInt64(UInt32.max) else {
                        throw .invalid("events.attribute_key_type[\(i)]", "key index out of range")
                    }
                    let key = try string(strings, UInt32(keyType >> 3), "attribute_key_type", i, nonEmpty: true)
                    let value: AttributeValue
                    switch keyType & 7 {
                    case 0:
                        guard intAt < c.attributeInt.count else { throw .invalid("events.attribute_int", "column is too short") }
                        value = .int(c.attributeInt[intAt])
                        intAt += 1
                    case 1:
                        guard doubleAt < c.attributeDouble.count else {
                            throw .invalid("events.attribute_double", "column is too short")
                        }
                        let double = c.attributeDouble[doubleAt]
                        // NaN and infinities have no JSON form and no meaning as a measurement.
                        guard double.isFinite else { throw .invalid("events.attribute_double[\(i)]", "\(double) is not a finite number") }
                        value = .double(double)
                        doubleAt += 1
                    case 2:
                        guard milliAt < c.attributeDecimalMilli.count else {
                            throw .invalid("events.attribute_decimal_milli", "column is too short")
                        }
                        value = .double(Double(c.attributeDecimalMilli[milliAt]) / 1000)
                        milliAt += 1
                    case 3: value = .bool(false)
                    case 4: value = .bool(true)
                    case 5:
                        guard stringAt < c.attributeString.count else {
                            throw .invalid("events.attribute_string", "column is too short")
                        }
                        value = .string(try string(strings, c.attributeString[stringAt], "attribute_string", i))
                        stringAt += 1
                    default:
                        throw .invalid("events.attribute_key_type[\(i)]", "unknown attribute type \(keyType & 7)")
                    }
                    if attributes.entries.contains(where: { $0.key == key }) {
                        throw .invalid("events.attributes[\(i)]", "attribute '\(key)' appears twice")
                    }
                    attributes.appendUnchecked(key: key, value: value)
                }
            }
            events.append(
                Event(
                    id: eventID, lifecycleID: eventID - back, cameraID: camera, kind: EventKind(rawValue: kind),
                    phase: phase, captureTimeMs: time, agentTimeMs: agentTime,
                    trackID: c.trackID.isEmpty ? 0 : c.trackID[i], box: box, zone: zone,
                    confidence: Confidence(permille: UInt16(permille)), severity: severity,
                    attributes: attributes, snapshot: snapshot))
        }
        try requireConsumed(boxAt, c.box.count, "box")
        try requireConsumed(zoneAt, c.zone.count, "zone")
        try requireConsumed(snapshotAt, c.snapshot.count, "snapshot")
        try requireConsumed(attrAt, c.attributeKeyType.count, "attribute_key_type")
        try requireConsumed(intAt, c.attributeInt.count, "attribute_int")
        try requireConsumed(doubleAt, c.attributeDouble.count, "attribute_double")
        try requireConsumed(milliAt, c.attributeDecimalMilli.count, "attribute_decimal_milli")
        try requireConsumed(stringAt, c.attributeString.count, "attribute_string")
        return events
    }

    /// The message's columns as plain arrays, read once: the message keeps them in a shared
    /// storage object, and reading `message.camera[i]` went through its accessor (a retain, a
    /// release and an exclusivity check) for every value.
    private struct Columns {
        let count: UInt32, strings: [String], eventIDDelta: [Int64], lifecycleBack: [UInt64], camera: [UInt32], kind: [UInt32]
        let phase: [Citywatch_V1_Phase], captureTimeDeltaMs: [Int64], agentTimeOffsetMs: [Int64], trackID: [UInt64], flags: [UInt32]
        let box: [UInt32], zone: [UInt32], confidencePermille: [UInt32], severity: [Citywatch_V1_Severity], attributeCount: [UInt32]
        let attributeKeyType: [UInt64], attributeInt: [Int64], attributeDouble: [Double], attributeDecimalMilli: [Int64]
        let attributeString: [UInt32], snapshot: [UInt32]

        init(_ m: Citywatch_V1_EventColumns) {
            count = m.count; strings = m.strings; eventIDDelta = m.eventIDDelta; lifecycleBack = m.lifecycleBack
            camera = m.camera; kind = m.kind; phase = m.phase; captureTimeDeltaMs = m.captureTimeDeltaMs
            agentTimeOffsetMs = m.agentTimeOffsetMs; trackID = m.trackID; flags = m.flags; box = m.box; zone = m.zone
            confidencePermille = m.confidencePermille; severity = m.severity; attributeCount = m.attributeCount
            attributeKeyType = m.attributeKeyType; attributeInt = m.attributeInt; attributeDouble = m.attributeDouble
            attributeDecimalMilli = m.attributeDecimalMilli; attributeString = m.attributeString; snapshot = m.snapshot
        }
    }

    private func requireCount(_ actual: Int, _ n: Int, _ column: String, required: Bool = false) throws(BatchError) {
        guard actual == n || (actual == 0 && !required) else {
            throw .invalid("events.\(column)", "\(actual) entries for \(n) events")
        }
    }

    private func requireConsumed(_ used: Int, _ total: Int, _ column: String) throws(BatchError) {
        guard used == total else { throw .invalid("events.\(column)", "\(total - used) entries belong to no event") }
    }

    @inline(__always)
    private func string(
        _ strings: [String], _ index: UInt32, _ column: String, _ i: Int, nonEmpty: Bool = false
    ) throws(BatchError) -> String {
        guard Int(index) < strings.count else {
            throw .invalid("events.\(column)[\(i)]", "string index \(index) outside the table of \(strings.count)")
        }
        let s = strings[Int(index)]
        if nonEmpty, s.isEmpty { throw .invalid("events.\(column)[\(i)]", "must not be empty") }
        return s
    }

    private func phase(_ wire: Citywatch_V1_Phase, _ i: Int) throws(BatchError) -> EventPhase {
        switch wire {
        case .start: return .start
        case .update: return .update
        case .end: return .end
        case .UNRECOGNIZED(let v): throw .invalid("events.phase[\(i)]", "unknown phase \(v)")
        }
    }

    private func severity(_ wire: Citywatch_V1_Severity?, kind: String, _ i: Int) throws(BatchError) -> Severity {
        guard let wire else { return EventKindRegistry.standard.defaultSeverity(of: EventKind(rawValue: kind)) }
        guard let severity = Severity(rank: wire.rawValue) else {
            throw .invalid("events.severity[\(i)]", "unknown severity \(wire.rawValue)")
        }
        return severity
    }
}
