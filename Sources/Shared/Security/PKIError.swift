/// A failure creating, reading or using certificates and keys.
public struct PKIError: Error, Hashable, CustomStringConvertible {
    enum Code: Hashable {
        case fileExists, fileUnreadable, fileUnwritable, invalidPEM, invalidAddress, noIdentity, wrongTrustDomain, invalidAgentID
    }

    let code: Code
    public let message: String
    public var description: String { message }

    static func fileExists(_ path: String) -> Self {
        .init(code: .fileExists, message: "\(path) exists; refusing to overwrite it (pass --force to replace)")
    }
    static func fileUnreadable(_ path: String, _ reason: String) -> Self {
        .init(code: .fileUnreadable, message: "cannot read \(path): \(reason)")
    }
    static func fileUnwritable(_ path: String, _ reason: String) -> Self {
        .init(code: .fileUnwritable, message: "cannot write \(path): \(reason)")
    }
    static func invalidPEM(_ path: String, _ reason: String) -> Self {
        .init(code: .invalidPEM, message: "\(path): not a valid PEM certificate or key: \(reason)")
    }
    static func invalidAddress(_ text: String) -> Self {
        .init(code: .invalidAddress, message: "'\(text)' is not an IPv4 or IPv6 address")
    }
    static func noIdentity(_ reason: String) -> Self {
        .init(code: .noIdentity, message: "certificate carries no agent identity: \(reason)")
    }
    static func wrongTrustDomain(_ uri: String, expected: String) -> Self {
        .init(code: .wrongTrustDomain, message: "identity \(uri) is not in trust domain spiffe://\(expected)")
    }
    static func invalidAgentID(_ id: String) -> Self {
        .init(
            code: .invalidAgentID,
            message: "agent id '\(id)' is invalid: use 1-64 of a-z, 0-9, '-', '_', '.', starting with a letter or digit")
    }

    public var isFileExists: Bool { code == .fileExists }
    public var isIdentityError: Bool { code == .noIdentity || code == .wrongTrustDomain || code == .invalidAgentID }
}
