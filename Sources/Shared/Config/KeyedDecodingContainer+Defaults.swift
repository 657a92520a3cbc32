extension KeyedDecodingContainer {
    /// The value at `key`, or `defaultValue` when the key is absent or null. A present value of the
    /// wrong type is still an error.
    public func decode<T: Decodable>(_ key: Key, default defaultValue: @autoclosure () -> T) throws -> T {
        try decodeIfPresent(T.self, forKey: key) ?? defaultValue()
    }
}
