/// `outputs.awsCredentialsFile`: an AWS shared-credentials INI file.
public struct AWSCredentialsFileOutputConfiguration: Sendable, Equatable {
    public static let defaultProfile = "default"
    public static let defaultMode: UInt32 = 0o600

    public var path: String
    public var profile: String
    /// Permission bits, re-applied on every write.
    public var mode: UInt32

    public init(path: String, profile: String = Self.defaultProfile, mode: UInt32 = Self.defaultMode) {
        self.path = path
        self.profile = profile
        self.mode = mode
    }
}
