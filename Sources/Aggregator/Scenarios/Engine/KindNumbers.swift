import Shared

/// Dense numbers for event kinds, shared by the fusion and the engine of one pipeline: the
/// pipeline hashes an input's kind once and both index arrays with the number, where each of them
/// hashed the kind string into a dictionary of its own per input (together about 6 % of fusion +
/// library in a `perf` profile of `bench scenarios`). Numbers are handed out on first sight and
/// never change; not thread-safe (one pipeline, one task).
final class KindNumbers {
    private var numbers: [EventKind: Int] = [:]

    func number(of kind: EventKind) -> Int {
        if let n = numbers[kind] { return n }
        let n = numbers.count
        numbers[kind] = n
        return n
    }
}

/// Values by kind number (`KindNumbers`), filled as kinds are first seen.
struct ByKindNumber<Value> {
    private var values: [Value?] = []

    subscript(number: Int) -> Value? {
        get { number < values.count ? values[number] : nil }
        set {
            if number >= values.count { values += repeatElement(nil, count: number + 1 - values.count) }
            values[number] = newValue
        }
    }
}
