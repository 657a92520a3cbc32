/// A scenario key that takes one value or a list (`kind: smoke` or `kind: [smoke, fire]`).
struct OneOrMany<Value: Decodable & Hashable & Sendable>: Decodable, Sendable, Hashable {
    let values: [Value]

    init(_ values: [Value]) { self.values = values }

    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let list = try? c.decode([Value].self) {
            values = list
        } else {
            values = [try c.decode(Value.self)]
        }
    }
}
