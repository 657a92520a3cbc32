/// Turns events into the column form of the wire (`EventColumns`, docs/PROTOCOL.md).
///
/// Columns of similar values (ids and times as deltas, string-table indexes, quantised boxes)
/// compress far better with zstd than one message per event: `bench wire` measures both.
enum ColumnarEncoder {
    /// The columns of `events`, in plain arrays (`Citywatch_V1_EventColumns` keeps its fields in
    /// a shared storage object, so appending to `c.camera` copied the whole column on every
    /// append: quadratic in the batch, over half of the agent's shipping CPU, `perf`).
    struct Columns {
        var count: UInt32 = 0
        var strings: [String] = []
        var eventIDDelta: [Int64] = [], lifecycleBack: [UInt64] = [], camera: [UInt32] = [], kind: [UInt32] = [], phase: [UInt32] = []
        var captureTimeDeltaMs: [Int64] = [], agentTimeOffsetMs: [Int64] = [], trackID: [UInt64] = [], flags: [UInt32] = []
        var box: [UInt32] = [], zone: [UInt32] = [], confidencePermille: [UInt32] = [], severity: [UInt32] = []
        var attributeCount: [UInt32] = [], attributeKeyType: [UInt64] = [], attributeInt: [Int64] = [], attributeDouble: [Double] = []
        var attributeDecimalMilli: [Int64] = [], attributeString: [UInt32] = [], snapshot: [UInt32] = []
    }

    static func columns(_ events: [Event]) -> Columns {
        var table = StringTable()
        let n = events.count
        var c = Columns()
        c.count = UInt32(n)
        c.eventIDDelta.reserveCapacity(n)
        c.lifecycleBack.reserveCapacity(n)
        c.camera.reserveCapacity(n)
        c.kind.reserveCapacity(n)
        c.phase.reserveCapacity(n)
        c.captureTimeDeltaMs.reserveCapacity(n)
        c.agentTimeOffsetMs.reserveCapacity(n)
        c.trackID.reserveCapacity(n)
        c.flags.reserveCapacity(n)
        c.confidencePermille.reserveCapacity(n)
        c.severity.reserveCapacity(n)
        c.attributeCount.reserveCapacity(n)
        c.attributeKeyType.reserveCapacity(n)
        c.box.reserveCapacity(4 * n)

        var previousID: UInt64 = 0
        var previousTime: Int64 = 0
        for event in events {
            c.eventIDDelta.append(Int64(bitPattern: event.id &- previousID))
            previousID = event.id
            c.lifecycleBack.append(event.id &- event.lifecycleID)
            c.camera.append(table.intern(event.cameraID))
            c.kind.append(table.intern(event.kind.rawValue))
            c.phase.append(UInt32(event.phase.wire.rawValue))
            c.captureTimeDeltaMs.append(event.captureTimeMs &- previousTime)
            previousTime = event.captureTimeMs
            c.agentTimeOffsetMs.append(event.agentTimeMs &- event.captureTimeMs)
            c.trackID.append(event.trackID)
            var flags: UInt32 = 0
            if let b = event.box {
                flags |= UInt32(Citywatch_V1_Flag.box.rawValue)
                c.box.append(UInt32(b.xUnits))
                c.box.append(UInt32(b.yUnits))
                c.box.append(UInt32(b.widthUnits))
                c.box.append(UInt32(b.heightUnits))
            }
            if let zone = event.zone {
                flags |= UInt32(Citywatch_V1_Flag.zone.rawValue)
                c.zone.append(table.intern(zone))
            }
            if let snapshot = event.snapshot {
                flags |= UInt32(Citywatch_V1_Flag.snapshot.rawValue)
                c.snapshot.append(table.intern(snapshot))
            }
            c.flags.append(flags)
            c.confidencePermille.append(UInt32(event.confidence.permille))
            c.severity.append(UInt32(event.severity.wire.rawValue))
            c.attributeCount.append(UInt32(event.attributes.count))
            for (key, value) in event.attributes {
                let keyIndex = UInt64(table.intern(key)) << 3
                switch value {
                case .int(let v):
                    c.attributeKeyType.append(keyIndex | UInt64(Citywatch_V1_AttributeType.attributeInt.rawValue))
                    c.attributeInt.append(v)
                case .double(let v):
                    if let milli = Self.exactMilli(v) {
                        c.attributeKeyType.append(keyIndex | UInt64(Citywatch_V1_AttributeType.attributeDecimalMilli.rawValue))
                        c.attributeDecimalMilli.append(milli)
                    } else {
                        c.attributeKeyType.append(keyIndex | UInt64(Citywatch_V1_AttributeType.attributeDouble.rawValue))
                        c.attributeDouble.append(v)
                    }
                case .bool(let v):
                    let type: Citywatch_V1_AttributeType = v ? .attributeBoolTrue : .attributeBoolFalse
                    c.attributeKeyType.append(keyIndex | UInt64(type.rawValue))
                case .string(let v):
                    c.attributeKeyType.append(keyIndex | UInt64(Citywatch_V1_AttributeType.attributeString.rawValue))
                    c.attributeString.append(table.intern(v))
                }
            }
        }
        c.strings = table.strings
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
