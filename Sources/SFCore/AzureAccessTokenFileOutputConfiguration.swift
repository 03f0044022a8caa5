/// `outputs.azureAccessTokenFile`: the raw Entra access token for one resource, for scripts and init containers.
public struct AzureAccessTokenFileOutputConfiguration: Sendable, Equatable {
    public static let defaultMode: UInt32 = 0o600

    public var path: String
    /// The resource (application ID URI); nil: the target's first `resources` entry.
    public var resource: String?
    public var mode: UInt32

    public init(path: String, resource: String? = nil, mode: UInt32 = Self.defaultMode) {
        self.path = path
        self.resource = resource
        self.mode = mode
    }
}
