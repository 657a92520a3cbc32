import Shared

/// What an analytic observed in one frame, before it becomes a start, update or end event.
struct EventDraft {
    var kind: EventKind
    var trackID: UInt64 = 0
    var rect: Rect?
    var zone: String?
    var confidence: Double = 1
    var attributes: Attributes = [:]
}

/// Identifies one lifecycle: a kind about one subject (a track in a zone, a zone, a line, the camera).
struct LifecycleKey: Hashable {
    var kind: EventKind
    var trackID: UInt64 = 0
    var zone: String = ""
}
