@testable import Aggregator
import Shared
import Testing

@Suite struct CityModelTests {
    @Test func adjacency_isMadeSymmetric_andCamerasIndexed() throws {
        let city = try ConfigLoader.decode(CityModel.self, yaml: """
            city: c
            districts:
              - {id: a, adjacent: [b]}
              - {id: b}
            cameras:
              - {id: cam-1, agent: agent-1, district: b}
            """, file: "city.yaml")
        #expect(city.districtsByID["b"]?.adjacent == ["a"])
        #expect(city.camerasByID["cam-1"]?.agent == "agent-1")
    }

    @Test(arguments: [
        ("city: c\ndistricts:\n  - {id: a}\ncameras:\n  - {id: cam-1, agent: x, district: nowhere}\n", 5, "cameras[0].district", "unknown district 'nowhere'"),
        ("city: c\ndistricts:\n  - {id: a, adjacent: [b]}\n", 3, "districts[0].adjacent[0]", "unknown district 'b'"),
        ("city: c\ndistricts:\n  - {id: a}\n  - {id: a}\n", 4, "districts[1].id", "duplicate district id 'a'"),
        ("city: c\ndistricts:\n  - {id: a}\ncameras:\n  - {id: k, agent: x, district: a}\n  - {id: k, agent: y, district: a}\n", 6, "cameras[1].id", "duplicate camera id 'k'"),
        ("city: c\ndistricts:\n  - {id: a}\ncameras:\n  - {id: k, agent: x, district: a, latitude: 95}\n", 5, "cameras[0].latitude", "latitude"),
        ("city: c\ndistrict:\n  - {id: a}\n", 2, "district", "district"),
    ])
    func errors_nameFileLineAndKey(yaml: String, line: Int, key: String, message: String) {
        do {
            _ = try ConfigLoader.decode(CityModel.self, yaml: yaml, file: "city.yaml")
            Issue.record("accepted: \(yaml)")
        } catch {
            #expect(error.file == "city.yaml")
            #expect(error.line == line, "\(error)")
            #expect(error.keyPath.hasSuffix(key) || error.keyPath == key, "\(error)")
            #expect(error.description.contains(message), "\(error)")
        }
    }
}
