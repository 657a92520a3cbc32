/// Turns events into the column form of the wire (`EventColumns`, docs/PROTOCOL.md).
///
/// Columns of similar values (ids and times as deltas, string-table indexes, quantised boxes)
/// compress far better with zstd than one message per event: `bench wire` measures both.
enum ColumnarEncoder {
    /// The columns are built in local arrays and moved into the message once: the message keeps
    /// its fields in a shared storage object, so appending to `c.camera` copied the whole column
    /// on every append (quadratic in the batch; over half of the agent's shipping CPU, `perf`).
    static func encode(_ events: [Event]) -> Citywatch_V1_EventColumns {
        var table = StringTable()
        let n = events.count
        func column<T>(_: T.Type, _ capacity: Int = n) -> [T] {
            var a: [T] = []
            a.reserveCapacity(capacity)
            return a
        }
        var eventIDDelta = column(Int64.self), lifecycleBack = column(UInt64.self)
        var camera = column(UInt32.self), kind = column(UInt32.self), phase = column(Citywatch_V1_Phase.self)
        var captureTimeDeltaMs = column(Int64.self), agentTimeOffsetMs = column(Int64.self), trackID = column(UInt64.self)
        var flagsColumn = column(UInt32.self), confidencePermille = column(UInt32.self), severity = column(Citywatch_V1_Severity.self)
        var attributeCount = column(UInt32.self), box = column(UInt32.self, 4 * n)
        var zoneColumn = column(UInt32.self, 0), snapshotColumn = column(UInt32.self, 0)
        var attributeKeyType = column(UInt64.self), attributeInt = column(Int64.self, 0), attributeDouble = column(Double.self, 0)
        var attributeDecimalMilli = column(Int64.self, 0), attributeString = column(UInt32.self, 0)

        var previousID: UInt64 = 0
        var previousTime: Int64 = 0
        for event in events {
            eventIDDelta.append(Int64(bitPattern: event.id &- previousID))
            previousID = event.id
            lifecycleBack.append(event.id &- event.lifecycleID)
            camera.append(table.intern(event.cameraID))
            kind.append(table.intern(event.kind.rawValue))
            phase.append(event.phase.wire)
            captureTimeDeltaMs.append(event.captureTimeMs &- previousTime)
            previousTime = event.captureTimeMs
            agentTimeOffsetMs.append(event.agentTimeMs &- event.captureTimeMs)
            trackID.append(event.trackID)
            var flags: UInt32 = 0
            if let b = event.box {
                flags |= UInt32(Citywatch_V1_Flag.box.rawValue)
                box.append(UInt32(b.xUnits))
                box.append(UInt32(b.yUnits))
                box.append(UInt32(b.widthUnits))
                box.append(UInt32(b.heightUnits))
            }
            if let zone = event.zone {
                flags |= UInt32(Citywatch_V1_Flag.zone.rawValue)
                zoneColumn.append(table.intern(zone))
            }
            if let snapshot = event.snapshot {
                flags |= UInt32(Citywatch_V1_Flag.snapshot.rawValue)
                snapshotColumn.append(table.intern(snapshot))
            }
            flagsColumn.append(flags)
            confidencePermille.append(UInt32(event.confidence.permille))
            severity.append(event.severity.wire)
            attributeCount.append(UInt32(event.attributes.count))
            for (key, value) in event.attributes {
                let keyIndex = UInt64(table.intern(key)) << 3
                switch value {
                case .int(let v):
                    attributeKeyType.append(keyIndex | UInt64(Citywatch_V1_AttributeType.attributeInt.rawValue))
                    attributeInt.append(v)
                case .double(let v):
                    if let milli = Self.exactMilli(v) {
                        attributeKeyType.append(keyIndex | UInt64(Citywatch_V1_AttributeType.attributeDecimalMilli.rawValue))
                        attributeDecimalMilli.append(milli)
                    } else {
                        attributeKeyType.append(keyIndex | UInt64(Citywatch_V1_AttributeType.attributeDouble.rawValue))
                        attributeDouble.append(v)
                    }
                case .bool(let v):
                    let type: Citywatch_V1_AttributeType = v ? .attributeBoolTrue : .attributeBoolFalse
                    attributeKeyType.append(keyIndex | UInt64(type.rawValue))
                case .string(let v):
                    attributeKeyType.append(keyIndex | UInt64(Citywatch_V1_AttributeType.attributeString.rawValue))
                    attributeString.append(table.intern(v))
                }
            }
        }
        var c = Citywatch_V1_EventColumns()
        c.count = UInt32(n)
        c.strings = table.strings
        c.eventIDDelta = eventIDDelta
        c.lifecycleBack = lifecycleBack
        c.camera = camera
        c.kind = kind
        c.phase = phase
        c.captureTimeDeltaMs = captureTimeDeltaMs
        c.agentTimeOffsetMs = agentTimeOffsetMs
        c.trackID = trackID
        c.flags = flagsColumn
        c.box = box
        c.zone = zoneColumn
        c.confidencePermille = confidencePermille
        c.severity = severity
        c.attributeCount = attributeCount
        c.attributeKeyType = attributeKeyType
        c.attributeInt = attributeInt
        c.attributeDouble = attributeDouble
        c.attributeDecimalMilli = attributeDecimalMilli
        c.attributeString = attributeString
        c.snapshot = snapshotColumn
        return c
    }

    /// `value × 1000` when that is an integer that converts back to exactly `value`.
    static func exactMilli(_ value: Double) -> Int64? {
        let scaled = value * 1000
        guard scaled.isFinite, abs(scaled) < 9.0e15, scaled == scaled.rounded() else { return nil }
        let milli = Int64(scaled)
        return Double(milli) / 1000 == value && !(value == 0 && value.sign == .minus) ? milli : nil
    }
}

extension EventPhase {
    var wire: Citywatch_V1_Phase {
        switch self {
        case .start: .start
        case .update: .update
        case .end: .end
        }
    }
}

extension Severity {
    var wire: Citywatch_V1_Severity { Citywatch_V1_Severity(rawValue: rank) ?? .info }
}
