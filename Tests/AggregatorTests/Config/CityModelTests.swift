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
        ("city: c\ndistricts:\n  - {id: a}\nreaches:\n  - {id: r1, downstream: [r9]}\n", 5, "reaches[0].downstream[0]", "unknown reach 'r9'"),
        ("city: c\ndistricts:\n  - {id: a}\nreaches:\n  - {id: r1, downstream: [r2]}\n  - {id: r2, downstream: [r1]}\n", 5, "reaches[0].downstream", "circle"),
        ("city: c\ndistricts:\n  - {id: a}\nreaches:\n  - {id: r1}\n  - {id: r1}\n", 6, "reaches[1].id", "duplicate id 'r1'"),
        ("city: c\ndistricts:\n  - {id: a}\nreaches:\n  - {id: r1, next: [r1]}\n", 5, "reaches[0].next", "unknown key 'next'"),
        ("city: c\ndistricts:\n  - {id: a}\nroads:\n  - {id: x, districts: [b]}\n", 5, "roads[0].districts[0]", "unknown district 'b'"),
        ("city: c\ndistricts:\n  - {id: a}\ncameras:\n  - {id: k, agent: x, district: a, reach: r}\n", 5, "cameras[0].reach", "unknown reach 'r'"),
        ("city: c\ndistricts:\n  - {id: a}\ncameras:\n  - {id: k, agent: x, district: a, latitude: 31}\n", 5, "cameras[0].longitude", "both latitude and longitude"),
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

    @Test func flowGraphs_answerDownstream_transitively_andRoadsMayCycle() throws {
        let city = try ConfigLoader.decode(CityModel.self, yaml: """
            city: c
            districts:
              - {id: a}
            reaches:
              - {id: r1, downstream: [r2]}
              - {id: b1, downstream: [r2]}
              - {id: r2, downstream: [r3]}
              - {id: r3}
            roads:
              - {id: n, next: [e]}
              - {id: e, next: [n]}
            cameras:
              - {id: p, agent: x, district: a, latitude: 31.2200, longitude: 121.5}
              - {id: q, agent: x, district: a, latitude: 31.2227, longitude: 121.5}
            """, file: "city.yaml")
        #expect(city.reaches.flows(from: "r1", to: "r3"))
        #expect(city.reaches.flows(from: "b1", to: "r3"))
        #expect(!city.reaches.flows(from: "r3", to: "r1"))
        #expect(!city.reaches.flows(from: "r1", to: "b1"))
        #expect(!city.reaches.flows(from: "r2", to: "r2"))
        #expect(city.roads.flows(from: "n", to: "n"))  // a ring road comes back
        let d = try #require(city.distanceMetres("p", "q"))
        #expect(abs(d - 300) < 2, "0.0027 degrees of latitude are about 300 m: \(d)")
    }
}
