import SwiftProtobuf

// Conversions between the model types and the generated protobuf messages for everything but the
// event columns (ColumnarEncoder / ColumnarDecoder).

extension EvictionReport {
    var wire: Citywatch_V1_EvictionReport {
        var m = Citywatch_V1_EvictionReport()
        m.events = events
        m.snapshots = snapshots
        if !eventsBySeverity.isEmpty {
            m.eventsBySeverity = Severity.allCases.map { eventsBySeverity[$0] ?? 0 }
        }
        m.oldestCaptureMs = oldestCaptureMs
        m.newestCaptureMs = newestCaptureMs
        return m
    }

    init(wire m: Citywatch_V1_EvictionReport) throws(BatchError) {
        guard m.eventsBySeverity.count <= 16 else {
            throw .invalid("evicted.events_by_severity", "\(m.eventsBySeverity.count) entries, at most 16")
        }
        var bySeverity: [Severity: UInt64] = [:]
        for (rank, count) in m.eventsBySeverity.enumerated() where count > 0 {
            // Counts for severities this build does not know go to the highest it knows; a hostile
            // sender cannot overflow the sum (it saturates).
            let severity = Severity(rank: rank) ?? .critical
            let (sum, overflow) = bySeverity[severity, default: 0].addingReportingOverflow(count)
            bySeverity[severity] = overflow ? .max : sum
        }
        self.init(
            events: m.events, snapshots: m.snapshots, eventsBySeverity: bySeverity,
            oldestCaptureMs: m.oldestCaptureMs, newestCaptureMs: m.newestCaptureMs)
    }
}

extension Command {
    var wire: Citywatch_V1_Command {
        var m = Citywatch_V1_Command()
        m.commandID = id
        m.type = type
        m.cameraID = cameraID
        m.arguments = arguments
        m.issuedAtMs = issuedAtMs
        m.expiresAtMs = expiresAtMs
        return m
    }

    init(wire m: Citywatch_V1_Command) {
        self.init(
            id: m.commandID, type: m.type, cameraID: m.cameraID, arguments: m.arguments,
            issuedAtMs: m.issuedAtMs, expiresAtMs: m.expiresAtMs)
    }
}

extension CommandResult {
    var wire: Citywatch_V1_CommandResult {
        var m = Citywatch_V1_CommandResult()
        m.commandID = commandID
        m.status =
            switch status {
            case .done: .done
            case .failed: .failed
            case .rejected: .rejected
            case .expired: .expired
            }
        m.message = message
        m.finishedAtMs = finishedAtMs
        return m
    }

    init(wire m: Citywatch_V1_CommandResult, index: Int, limits: BatchLimits) throws(BatchError) {
        for (name, value) in [("command_id", m.commandID), ("message", m.message)] where value.utf8.count > limits.maxStringBytes {
            throw .invalid("command_results[\(index)].\(name)", "\(value.utf8.count) bytes, the limit is \(limits.maxStringBytes)")
        }
        let status: Status
        switch m.status {
        case .done: status = .done
        case .failed: status = .failed
        case .rejected: status = .rejected
        case .expired: status = .expired
        case .UNRECOGNIZED(let v): throw .invalid("command_results[\(index)].status", "unknown status \(v)")
        }
        self.init(commandID: m.commandID, status: status, message: m.message, finishedAtMs: m.finishedAtMs)
    }
}

extension BatchAck {
    /// The protobuf body of a 200 answer.
    public func serializedBytes() -> [UInt8] {
        var m = Citywatch_V1_BatchAck()
        m.agentID = agentID
        m.committedSeq = committedSeq
        m.serverTimeMs = serverTimeMs
        m.commands = commands.map(\.wire)
        m.duplicate = duplicate
        m.storedEvents = storedEvents
        // Serialising a fully initialised proto3 message cannot fail.
        return (try? m.serializedBytes()) ?? []
    }

    public init(serializedBytes bytes: [UInt8]) throws(BatchError) {
        let m: Citywatch_V1_BatchAck
        do { m = try Citywatch_V1_BatchAck(serializedBytes: bytes) } catch { throw .badProtobuf(error) }
        self.init(
            agentID: m.agentID, committedSeq: m.committedSeq, serverTimeMs: m.serverTimeMs,
            commands: m.commands.map(Command.init(wire:)), duplicate: m.duplicate, storedEvents: m.storedEvents)
    }
}
