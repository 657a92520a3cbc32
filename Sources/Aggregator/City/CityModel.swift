import Foundation
import Shared

/// The city as the aggregator knows it (`city.yaml`): districts with their adjacency, river reaches
/// and roads as directed graphs, and the cameras with their owning agent, position and the reach or
/// road they watch. Ingest refuses a batch that names a camera its agent does not own; fusion and
/// scenarios ask it about adjacency, flow and distance.
package struct CityModel: Decodable, Sendable {
    /// config `city`: a short id, also the default SPIFFE trust domain of agent certificates.
    let id: String
    /// In file order, adjacency made symmetric.
    let districts: [District]
    let cameras: [Camera]
    /// River reaches, upstream → downstream (acyclic).
    let reaches: FlowNetwork
    /// Road segments in the direction of traffic (cycles allowed: ring roads).
    let roads: FlowNetwork
    /// Lookups over the two lists (built once, with them, on load).
    let districtsByID: [String: District]
    let camerasByID: [String: Camera]
    /// Camera id → its position in `cameras` (fusion numbers cameras by it).
    let cameraIndexByID: [String: Int]

    struct District: Decodable, Sendable, Hashable {
        var id: String
        var name: String
        /// Neighbouring district ids (made symmetric on load).
        var adjacent: [String]

        enum CodingKeys: String, CodingKey { case id, name, adjacent }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            id = try c.decode(String.self, forKey: .id)
            name = try c.decode(.name, default: id)
            adjacent = try c.decode(.adjacent, default: [])
        }
    }

    struct Camera: Decodable, Sendable, Hashable {
        var id: String
        /// The agent (certificate identity) that owns and reports this camera.
        var agent: String
        var district: String
        var site: String?
        var latitude: Double?
        var longitude: Double?
        /// The river reach the camera watches (water level, floating debris ...).
        var reach: String?
        /// The road segment the camera watches (traffic).
        var road: String?

        init(
            id: String, agent: String, district: String, site: String? = nil, latitude: Double? = nil, longitude: Double? = nil,
            reach: String? = nil, road: String? = nil
        ) {
            self.id = id
            self.agent = agent
            self.district = district
            self.site = site
            self.latitude = latitude
            self.longitude = longitude
            self.reach = reach
            self.road = road
        }

        enum CodingKeys: String, CodingKey { case id, agent, district, site, latitude, longitude, reach, road }
    }

    enum CodingKeys: String, CodingKey { case id = "city", districts, cameras, reaches, roads }

    package init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(
            id: try c.decode(String.self, forKey: .id), districts: try c.decode(.districts, default: []),
            cameras: try c.decode(.cameras, default: []),
            reaches: try c.decode(.reaches, default: [FlowNetwork.Spec<FlowNetwork.Downstream>]()).map(\.node),
            roads: try c.decode(.roads, default: [FlowNetwork.Spec<FlowNetwork.Next>]()).map(\.node))
    }

    /// Validates and indexes; errors name the offending key (the loader adds file and line).
    init(id: String, districts: [District], cameras: [Camera], reaches: [FlowNetwork.Node] = [], roads: [FlowNetwork.Node] = []) throws {
        var position: [String: Int] = [:]
        for (i, district) in districts.enumerated() {
            guard position.updateValue(i, forKey: district.id) == nil else {
                throw ConfigValueError("duplicate district id '\(district.id)'", at: "districts[\(i)].id")
            }
        }
        var symmetric = districts
        for (i, district) in districts.enumerated() {
            for (j, other) in district.adjacent.enumerated() {
                guard let k = position[other] else { throw ConfigValueError("unknown district '\(other)'", at: "districts[\(i)].adjacent[\(j)]") }
                guard k != i else { throw ConfigValueError("a district is not adjacent to itself", at: "districts[\(i)].adjacent[\(j)]") }
                if !symmetric[k].adjacent.contains(district.id) { symmetric[k].adjacent.append(district.id) }
            }
        }
        let districtIDs = Set(districts.map(\.id))
        let reachNetwork = try FlowNetwork(nodes: reaches, key: "reaches", noun: "reach", nextKey: "downstream", districts: districtIDs, acyclic: true)
        let roadNetwork = try FlowNetwork(nodes: roads, key: "roads", noun: "road", nextKey: "next", districts: districtIDs, acyclic: false)
        var camerasByID: [String: Camera] = [:]
        for (i, camera) in cameras.enumerated() {
            guard position[camera.district] != nil else {
                throw ConfigValueError("unknown district '\(camera.district)'", at: "cameras[\(i)].district")
            }
            if let latitude = camera.latitude, !(-90...90).contains(latitude) {
                throw ConfigValueError("latitude must be within -90...90", at: "cameras[\(i)].latitude")
            }
            if let longitude = camera.longitude, !(-180...180).contains(longitude) {
                throw ConfigValueError("longitude must be within -180...180", at: "cameras[\(i)].longitude")
            }
            if (camera.latitude == nil) != (camera.longitude == nil) {
                throw ConfigValueError("give both latitude and longitude, or neither", at: "cameras[\(i)].\(camera.latitude == nil ? "latitude" : "longitude")")
            }
            if let reach = camera.reach, reachNetwork.byID[reach] == nil {
                throw ConfigValueError("unknown reach '\(reach)'", at: "cameras[\(i)].reach")
            }
            if let road = camera.road, roadNetwork.byID[road] == nil {
                throw ConfigValueError("unknown road '\(road)'", at: "cameras[\(i)].road")
            }
            guard camerasByID.updateValue(camera, forKey: camera.id) == nil else {
                throw ConfigValueError("duplicate camera id '\(camera.id)'", at: "cameras[\(i)].id")
            }
        }
        self.id = id
        self.districts = symmetric
        self.cameras = cameras
        self.reaches = reachNetwork
        self.roads = roadNetwork
        self.districtsByID = Dictionary(uniqueKeysWithValues: symmetric.map { ($0.id, $0) })
        self.camerasByID = camerasByID
        self.cameraIndexByID = Dictionary(cameras.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { a, _ in a })
    }

    /// True when two different districts share a border.
    func areAdjacent(_ a: String, _ b: String) -> Bool {
        a != b && (districtsByID[a]?.adjacent.contains(b) ?? false)
    }

    /// Great-circle distance between two cameras in metres; nil when either has no position.
    func distanceMetres(_ a: String, _ b: String) -> Double? {
        guard let p = camerasByID[a], let q = camerasByID[b], let lat1 = p.latitude, let lon1 = p.longitude,
            let lat2 = q.latitude, let lon2 = q.longitude
        else { return nil }
        return Self.haversineMetres(lat1: lat1, lon1: lon1, lat2: lat2, lon2: lon2)
    }

    static func haversineMetres(lat1: Double, lon1: Double, lat2: Double, lon2: Double) -> Double {
        let r = 6_371_008.8
        let toRadians = Double.pi / 180
        let dLat = (lat2 - lat1) * toRadians, dLon = (lon2 - lon1) * toRadians
        let h = sin(dLat / 2) * sin(dLat / 2) + cos(lat1 * toRadians) * cos(lat2 * toRadians) * sin(dLon / 2) * sin(dLon / 2)
        return 2 * r * asin(min(1, h.squareRoot()))
    }

    static func load(path: String) throws(ConfigError) -> CityModel {
        try ConfigLoader.load(CityModel.self, fromFile: path)
    }
}
