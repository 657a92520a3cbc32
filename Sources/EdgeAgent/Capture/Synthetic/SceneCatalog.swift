/// The named synthetic scenes (`edge-agent detect --source synthetic:NAME`). Each is a situation a
/// street camera meets, with the rules a camera watching it would have; the tests state what must
/// (and must not) be reported for each.
enum SceneCatalog {
    static let names = [
        "walkers", "occlusion", "loiter", "parking", "crowd", "bag", "removed", "runner", "wrongway", "covered",
        "defocus", "moved", "lightswitch", "noise", "foliage", "rain", "shadow", "water", "smoke", "fire", "empty",
    ]

    static func scene(named name: String) -> SyntheticScene? {
        switch name {
        case "walkers": walkers()
        case "occlusion": occlusion()
        case "loiter": loiter()
        case "parking": parking()
        case "crowd": crowd()
        case "bag": bag()
        case "removed": removed()
        case "runner": runner()
        case "wrongway": wrongWay()
        case "covered": SyntheticScene(name: name, frameCount: 100, effects: [.cover(from: 50)])
        case "defocus": SyntheticScene(name: name, frameCount: 100, effects: [.defocus(radius: 4, from: 50)])
        case "moved": SyntheticScene(name: name, frameCount: 100, effects: [.shift(dx: 36, dy: 40, from: 50)])
        case "lightswitch": SyntheticScene(name: name, frameCount: 100, effects: [.brightness(delta: 60, from: 30, until: 70)])
        case "noise": SyntheticScene(name: name, frameCount: 100, effects: [.noise(amplitude: 20)])
        case "foliage":
            SyntheticScene(name: name, frameCount: 150, effects: [.foliage(region: Rect(x: 0.6, y: 0.1, width: 0.3, height: 0.5), amplitude: 40, periodFrames: 7)])
        case "rain": SyntheticScene(name: name, frameCount: 100, effects: [.rain(streaksPerFrame: 40)])
        case "shadow": shadow()
        case "water": water()
        case "smoke": smoke()
        case "fire": fire()
        case "empty": SyntheticScene(name: name, frameCount: 60)
        default: nil
        }
    }

    static func person(_ id: Int, _ path: [(frame: Int, x: Double, y: Double)], luma: UInt8 = 215) -> SceneActor {
        SceneActor(id: id, objectClass: .person, shape: .ellipse, width: 0.045, height: 0.2, luma: luma, path: path)
    }

    static func vehicle(_ id: Int, _ path: [(frame: Int, x: Double, y: Double)], luma: UInt8 = 35) -> SceneActor {
        SceneActor(id: id, objectClass: .vehicle, width: 0.2, height: 0.13, luma: luma, path: path)
    }

    static func rectangle(_ x0: Double, _ y0: Double, _ x1: Double, _ y1: Double) -> Polygon {
        Polygon(points: [Point(x: x0, y: y0), Point(x: x1, y: y0), Point(x: x1, y: y1), Point(x: x0, y: y1)])
    }

    /// Three people; two cross each other and a counting line, one walks down the frame.
    static func walkers() -> SyntheticScene {
        var s = SyntheticScene(name: "walkers", frameCount: 100)
        s.actors = [
            person(1, [(0, -0.03, 0.55), (80, 0.95, 0.55)]),
            person(2, [(10, 0.95, 0.6), (90, 0.05, 0.6)], luma: 30),
            person(3, [(20, 0.25, -0.1), (90, 0.25, 0.85)]),
        ]
        s.rules.lines = [LineRule(name: "bridge", segment: Segment(Point(x: 0.5, y: 0.3), Point(x: 0.5, y: 0.98)))]
        return s
    }

    /// One person walks behind a pillar and comes out the other side.
    static func occlusion() -> SyntheticScene {
        var s = SyntheticScene(name: "occlusion", frameCount: 70)
        s.actors = [person(1, [(0, -0.03, 0.6), (60, 1.05, 0.6)])]
        s.effects = [.occluder(region: Rect(x: 0.46, y: 0.2, width: 0.08, height: 0.75), luma: 160)]
        return s
    }

    static func loiter() -> SyntheticScene {
        var s = SyntheticScene(name: "loiter", frameCount: 250)
        var path: [(frame: Int, x: Double, y: Double)] = [(0, -0.03, 0.6), (25, 0.5, 0.6)]
        for k in 1...22 { path.append((25 + k * 10, 0.5 + (k % 2 == 0 ? 0.015 : -0.015), 0.6 + (k % 3 == 0 ? 0.01 : 0))) }
        s.actors = [person(1, path)]
        s.rules.zones = [ZoneRules(name: "quay", polygon: rectangle(0.3, 0.3, 0.7, 0.95), loitering: DwellRule(seconds: 20))]
        return s
    }

    static func parking() -> SyntheticScene {
        var s = SyntheticScene(name: "parking", frameCount: 200)
        s.actors = [vehicle(1, [(0, -0.08, 0.75), (30, 0.5, 0.75), (200, 0.5, 0.75)])]
        s.rules.zones = [ZoneRules(name: "no-stopping", polygon: rectangle(0.3, 0.5, 0.75, 0.98), stoppedVehicle: DwellRule(seconds: 15))]
        return s
    }

    static func crowd() -> SyntheticScene {
        var s = SyntheticScene(name: "crowd", frameCount: 160)
        for k in 0..<10 {
            let tx = 0.22 + Double(k % 5) * 0.13, ty = k < 5 ? 0.45 : 0.8
            let sx = k % 2 == 0 ? -0.05 : 1.05
            var path: [(frame: Int, x: Double, y: Double)] = [(k * 4, sx, ty), (k * 4 + 40, tx, ty)]
            for m in 1...10 { path.append((k * 4 + 40 + m * 8, tx + (m % 2 == 0 ? 0.012 : -0.012), ty)) }
            s.actors.append(person(k + 1, path, luma: k % 2 == 0 ? 215 : 30))
        }
        s.rules.zones = [ZoneRules(name: "plaza", polygon: rectangle(0.1, 0.2, 0.9, 0.99), crowd: CrowdRule(minCount: 8))]
        return s
    }

    /// A person leaves a bag and walks away.
    static func bag() -> SyntheticScene {
        var s = SyntheticScene(name: "bag", frameCount: 200)
        s.actors = [
            person(1, [(0, -0.03, 0.6), (30, 0.45, 0.6), (34, 0.45, 0.6), (70, 1.05, 0.6)]),
            SceneActor(id: 2, objectClass: .object, width: 0.035, height: 0.06, luma: 25, path: [(32, 0.5, 0.67), (200, 0.5, 0.67)]),
        ]
        s.rules.zones = [ZoneRules(
            name: "hall", polygon: rectangle(0.2, 0.3, 0.8, 0.95), abandonedObject: DwellRule(seconds: 10),
            objectRemoved: DwellRule(seconds: 10))]
        return s
    }

    /// A person takes away an object that was part of the scene.
    static func removed() -> SyntheticScene {
        var s = SyntheticScene(name: "removed", frameCount: 200)
        s.actors = [
            SceneActor(id: 2, objectClass: .object, width: 0.05, height: 0.07, luma: 225, path: [(0, 0.62, 0.72), (40, 0.62, 0.72)], isBackground: true),
            person(1, [(0, -0.03, 0.6), (35, 0.55, 0.6), (42, 0.55, 0.6), (80, 1.05, 0.6)], luma: 30),
        ]
        s.rules.zones = [ZoneRules(
            name: "hall", polygon: rectangle(0.2, 0.3, 0.9, 0.95), abandonedObject: DwellRule(seconds: 10),
            objectRemoved: DwellRule(seconds: 10))]
        return s
    }

    /// A runner and a walker; only the runner is fast.
    static func runner() -> SyntheticScene {
        var s = SyntheticScene(name: "runner", frameCount: 80)
        s.actors = [
            person(1, [(0, -0.03, 0.4), (70, 1.03, 0.4)]),
            person(2, [(30, -0.05, 0.75), (45, 1.05, 0.75)], luma: 30),
        ]
        s.rules.zones = [ZoneRules(name: "path", polygon: rectangle(0, 0, 1, 1), fastMotion: SpeedRule(minSpeed: 0.35))]
        return s
    }

    /// No one in view: person-sized dark patches (shadows of passers-by out of view, a flag)
    /// cross the frame one after another. Size and shape alone call them people; the neural
    /// detector does not.
    static func shadow() -> SyntheticScene {
        var s = SyntheticScene(name: "shadow", frameCount: 150)
        s.actors = [
            person(1, [(10, -0.03, 0.5), (60, 1.03, 0.55)], luma: 35),
            person(2, [(55, 1.03, 0.3), (105, -0.03, 0.35)], luma: 50),
            person(3, [(95, -0.03, 0.7), (145, 1.03, 0.65)], luma: 25),
        ]
        return s
    }

    /// Traffic flows right; one vehicle drives left.
    static func wrongWay() -> SyntheticScene {
        var s = SyntheticScene(name: "wrongway", frameCount: 110)
        s.actors = [
            vehicle(1, [(0, -0.1, 0.7), (40, 1.1, 0.7)]),
            vehicle(2, [(55, 1.1, 0.72), (100, -0.1, 0.72)], luma: 230),
        ]
        s.rules.zones = [ZoneRules(name: "lane", polygon: rectangle(0, 0.45, 1, 1), wrongWay: WrongWayRule(dx: 1, dy: 0))]
        return s
    }

    static func water() -> SyntheticScene {
        var s = SyntheticScene(name: "water", frameCount: 300)
        let region = Rect(x: 0.45, y: 0.1, width: 0.08, height: 0.85)
        s.effects = [.waterGauge(region: region, startY: 0.8, endY: 0.35, overFrames: 300)]
        s.rules = CameraRules(gauges: [WaterGaugeRule(name: "gauge", region: region, y1: 0.9, cm1: 0, y2: 0.1, cm2: 400, thresholdCm: 200)])
        return s
    }

    static func smoke() -> SyntheticScene {
        var s = SyntheticScene(name: "smoke", frameCount: 120)
        s.effects = [.smoke(origin: Point(x: 0.5, y: 0.75), from: 20, growth: 0.003)]
        s.rules = CameraRules(smokeFire: SmokeFireRules(smoke: true, fire: true))
        return s
    }

    static func fire() -> SyntheticScene {
        var s = SyntheticScene(name: "fire", frameCount: 100)
        s.effects = [.fire(region: Rect(x: 0.4, y: 0.5, width: 0.12, height: 0.2), from: 20)]
        s.rules = CameraRules(smokeFire: SmokeFireRules(smoke: true, fire: true))
        return s
    }
}
