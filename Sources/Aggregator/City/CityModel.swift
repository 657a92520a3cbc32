import Shared

/// The city as the aggregator knows it (`city.yaml`): districts with their adjacency, and the
/// cameras with their owning agent. Ingest refuses a batch that names a camera its agent does
/// not own. Scenario-related parts (river reaches, roads) come with the scenario engine.
struct CityModel: Decodable, Sendable {
    /// config `city`: a short id, also the default SPIFFE trust domain of agent certificates.
    let id: String
    /// In file order, adjacency made symmetric.
    let districts: [District]
    let cameras: [Camera]
    /// Lookups over the two lists (built once, with them, on load).
    let districtsByID: [String: District]
    let camerasByID: [String: Camera]

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

        enum CodingKeys: String, CodingKey { case id, agent, district, site, latitude, longitude }
    }

    enum CodingKeys: String, CodingKey { case id = "city", districts, cameras }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(id: try c.decode(String.self, forKey: .id), districts: try c.decode(.districts, default: []), cameras: try c.decode(.cameras, default: []))
    }

    /// Validates and indexes; errors name the offending key (the loader adds file and line).
    init(id: String, districts: [District], cameras: [Camera]) throws {
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
            guard camerasByID.updateValue(camera, forKey: camera.id) == nil else {
                throw ConfigValueError("duplicate camera id '\(camera.id)'", at: "cameras[\(i)].id")
            }
        }
        self.id = id
        self.districts = symmetric
        self.cameras = cameras
        self.districtsByID = Dictionary(uniqueKeysWithValues: symmetric.map { ($0.id, $0) })
        self.camerasByID = camerasByID
    }

    static func load(path: String) throws(ConfigError) -> CityModel {
        try ConfigLoader.load(CityModel.self, fromFile: path)
    }
}
