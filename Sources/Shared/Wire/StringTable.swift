/// Interns the strings of one batch so that each travels once (`EventColumns.strings`).
struct StringTable {
    private(set) var strings: [String] = [""]
    private var index: [String: UInt32] = ["": 0]

    init(reservingCapacity capacity: Int = 16) {
        index.reserveCapacity(capacity)
        strings.reserveCapacity(capacity)
    }

    mutating func intern(_ string: String) -> UInt32 {
        if let i = index[string] { return i }
        let i = UInt32(strings.count)
        strings.append(string)
        index[string] = i
        return i
    }
}
