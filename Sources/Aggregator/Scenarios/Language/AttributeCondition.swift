import Shared

/// A test on one event attribute in a filter's `where:` map, e.g. `level_cm: {gte: 250}`,
/// `object_class: person` (shorthand for `eq`), `direction: {in: [in, out]}`, `plate: {exists: true}`.
/// Every comparison given must hold; a missing attribute fails all but `exists: false`.
struct AttributeCondition: Sendable, Hashable {
    let key: String
    let spec: Spec

    struct Spec: Decodable, Sendable, Hashable {
        var gte: Double?
        var gt: Double?
        var lte: Double?
        var lt: Double?
        var eq: AttributeValue?
        var ne: AttributeValue?
        var oneOf: [AttributeValue]?
        var exists: Bool?

        enum CodingKeys: String, CodingKey { case gte, gt, lte, lt, eq, ne, oneOf = "in", exists }

        init(from decoder: any Decoder) throws {
            if let c = try? decoder.container(keyedBy: CodingKeys.self) {
                gte = try c.decodeIfPresent(Double.self, forKey: .gte)
                gt = try c.decodeIfPresent(Double.self, forKey: .gt)
                lte = try c.decodeIfPresent(Double.self, forKey: .lte)
                lt = try c.decodeIfPresent(Double.self, forKey: .lt)
                eq = try c.decodeIfPresent(AttributeValue.self, forKey: .eq)
                ne = try c.decodeIfPresent(AttributeValue.self, forKey: .ne)
                oneOf = try c.decodeIfPresent([AttributeValue].self, forKey: .oneOf)
                exists = try c.decodeIfPresent(Bool.self, forKey: .exists)
                guard gte != nil || gt != nil || lte != nil || lt != nil || eq != nil || ne != nil || oneOf != nil || exists != nil else {
                    throw ConfigValueError("give at least one of gte, gt, lte, lt, eq, ne, in, exists")
                }
            } else {
                eq = try decoder.singleValueContainer().decode(AttributeValue.self)
            }
        }
    }

    func holds(for attributes: Attributes) -> Bool {
        let c = spec
        guard let value = attributes[key] else { return c.exists == false }
        if c.exists == false { return false }
        if c.gte != nil || c.gt != nil || c.lte != nil || c.lt != nil {
            guard let v = value.doubleValue else { return false }
            if let gte = c.gte, !(v >= gte) { return false }
            if let gt = c.gt, !(v > gt) { return false }
            if let lte = c.lte, !(v <= lte) { return false }
            if let lt = c.lt, !(v < lt) { return false }
        }
        if let eq = c.eq, !Self.same(value, eq) { return false }
        if let ne = c.ne, Self.same(value, ne) { return false }
        if let oneOf = c.oneOf, !oneOf.contains(where: { Self.same(value, $0) }) { return false }
        return true
    }

    /// Numbers compare by value (`4` equals `4.0`); other types must match exactly.
    private static func same(_ a: AttributeValue, _ b: AttributeValue) -> Bool {
        if let x = a.doubleValue, let y = b.doubleValue { return x == y }
        return a == b
    }
}
