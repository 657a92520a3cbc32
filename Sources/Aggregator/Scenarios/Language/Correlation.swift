/// How the second step of a sequence or absence rule must relate to the first.
enum Correlation: Sendable, Hashable {
    /// No relation required (anywhere in the city).
    case any
    case sameCamera
    /// Same camera and the same tracker id.
    case sameTrack
    case sameDistrict
    /// A district bordering the first one (not the same).
    case adjacentDistrict
    case sameOrAdjacentDistrict
    case sameReach
    /// On a reach downstream of the first (strictly).
    case downstream
    case upstream
    case sameRoad
    /// On a road segment that traffic from the first reaches (the direction of travel).
    case roadAhead
    /// Cameras at most this many metres apart (both need positions).
    case withinDistance(metres: Double)

    static let names = [
        "any", "same_camera", "same_track", "same_district", "adjacent_district", "same_or_adjacent_district", "same_reach",
        "downstream", "upstream", "same_road", "road_ahead", "within_distance",
    ]

    init?(name: String, distance: Double?) {
        switch name {
        case "any": self = .any
        case "same_camera": self = .sameCamera
        case "same_track": self = .sameTrack
        case "same_district": self = .sameDistrict
        case "adjacent_district": self = .adjacentDistrict
        case "same_or_adjacent_district": self = .sameOrAdjacentDistrict
        case "same_reach": self = .sameReach
        case "downstream": self = .downstream
        case "upstream": self = .upstream
        case "same_road": self = .sameRoad
        case "road_ahead": self = .roadAhead
        case "within_distance":
            guard let distance else { return nil }
            self = .withinDistance(metres: distance)
        default: return nil
        }
    }
}
