extension GroupKey {
    /// The value an input is grouped under; nil when the input has none (a camera on no reach,
    /// grouped by reach): such an input does not take part in the rule.
    func value(of s: InputSnapshot) -> String? {
        switch self {
        case .city: ""
        case .district: s.district
        case .camera: s.cameraID
        case .track: s.trackID == 0 ? nil : "\(s.cameraID)#\(s.trackID)"
        case .zone: s.zone.map { "\(s.cameraID)/\($0)" }
        case .reach: s.reach
        case .road: s.road
        case .site: s.site
        }
    }
}

extension DistinctKey {
    /// Nil when the input has no such value (no track, no zone): it does not take part.
    func value(of s: InputSnapshot) -> String? {
        switch self {
        case .events: "\(s.reference.agentID)#\(s.reference.eventID)"
        case .cameras: s.cameraID
        case .districts: s.district
        case .tracks: s.trackID == 0 ? nil : "\(s.cameraID)#\(s.trackID)"
        case .zones: s.zone.map { "\(s.cameraID)/\($0)" }
        case .agents: s.reference.agentID
        }
    }
}
