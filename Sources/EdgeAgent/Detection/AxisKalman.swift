/// A constant-velocity Kalman filter for one axis (position, velocity per frame). Two of these
/// track a box centre: the axes are independent under a constant-velocity model, which keeps the
/// maths closed-form and allocation-free.
struct AxisKalman: Sendable, Hashable {
    private(set) var position: Double
    private(set) var velocity: Double = 0
    private var p00: Double
    private var p01: Double = 0
    private var p11: Double
    /// Process noise (position, velocity) and measurement noise, in normalised units².
    let q: Double
    let qv: Double
    let r: Double

    init(position: Double, q: Double = 1e-5, qv: Double = 1e-5, r: Double = 1e-4) {
        self.position = position
        p00 = r
        p11 = 1e-3
        self.q = q
        self.qv = qv
        self.r = r
    }

    mutating func predict() {
        position += velocity
        p00 += 2 * p01 + p11 + q
        p01 += p11
        p11 += qv
    }

    mutating func update(_ measurement: Double) {
        let s = p00 + r
        let k0 = p00 / s
        let k1 = p01 / s
        let residual = measurement - position
        position += k0 * residual
        velocity += k1 * residual
        let oldP00 = p00, oldP01 = p01
        p00 -= k0 * oldP00
        p01 -= k0 * oldP01
        p11 -= k1 * oldP01
    }
}
