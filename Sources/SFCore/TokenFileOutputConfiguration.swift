/// An output that writes the source's identity token (a JWT) to a file, without a trailing newline.
public struct TokenFileOutputConfiguration: Sendable, Equatable {
    public static let defaultMode: UInt32 = 0o600

    public var path: String
    public var mode: UInt32

    public init(path: String, mode: UInt32 = Self.defaultMode) {
        self.path = path
        self.mode = mode
    }
}
