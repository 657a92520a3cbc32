/// Answers, for a correlation, which key a first step is filed under and which keys a second step
/// looks under, from the city model's adjacency and flow graphs (reverse closures built once).
struct Correlator: Sendable {
    let city: CityModel
    /// For each reach, the reaches upstream of it (whose water reaches it).
    private let upstreamOf: [String: [String]]
    /// For each road segment, the segments whose traffic reaches it.
    private let roadsBehind: [String: [String]]

    init(city: CityModel) {
        self.city = city
        upstreamOf = Self.reverse(city.reaches)
        roadsBehind = Self.reverse(city.roads)
    }

    private static func reverse(_ network: FlowNetwork) -> [String: [String]] {
        var result: [String: [String]] = [:]
        for node in network.nodes {
            for target in network.reachable[node.id] ?? [] { result[target, default: []].append(node.id) }
        }
        return result
    }

    /// Where a first step waits; nil when it cannot take part (no reach for a reach correlation).
    func fileKey(_ c: Correlation, _ s: InputSnapshot) -> String? {
        switch c {
        case .any, .withinDistance: ""
        case .sameCamera: s.cameraID
        case .sameTrack: s.trackID == 0 ? nil : "\(s.cameraID)#\(s.trackID)"
        case .sameDistrict, .adjacentDistrict, .sameOrAdjacentDistrict: s.district
        case .sameReach, .downstream, .upstream: s.reach
        case .sameRoad, .roadAhead: s.road
        }
    }

    /// The keys under which first steps related to this second step wait.
    func lookupKeys(_ c: Correlation, _ s: InputSnapshot) -> [String] {
        switch c {
        case .any, .withinDistance: return [""]
        case .sameCamera: return [s.cameraID]
        case .sameTrack: return s.trackID == 0 ? [] : ["\(s.cameraID)#\(s.trackID)"]
        case .sameDistrict: return [s.district]
        case .adjacentDistrict: return city.districtsByID[s.district]?.adjacent ?? []
        case .sameOrAdjacentDistrict: return [s.district] + (city.districtsByID[s.district]?.adjacent ?? [])
        case .sameReach: return s.reach.map { [$0] } ?? []
        case .downstream: return s.reach.map { upstreamOf[$0] ?? [] } ?? []
        case .upstream: return s.reach.map { Array(city.reaches.reachable[$0] ?? []) } ?? []
        case .sameRoad: return s.road.map { [$0] } ?? []
        // On a ring every segment reaches every other: "ahead" then means any other segment.
        case .roadAhead: return s.road.map { road in (roadsBehind[road] ?? []).filter { $0 != road } } ?? []
        }
    }

    /// Checks a key lookup cannot make: distance.
    func related(_ c: Correlation, first: InputSnapshot, second: InputSnapshot) -> Bool {
        guard case .withinDistance(let metres) = c else { return true }
        guard let d = city.distanceMetres(first.cameraID, second.cameraID) else { return false }
        return d <= metres
    }
}
