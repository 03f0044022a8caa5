import SFCore

/// What a pod asks for through its `skyferry.dev/*` annotations, validated.
public struct InjectionRequest: Sendable, Equatable {
    /// The projected token's lifetime when `skyferry.dev/token-expiration` is not set.
    public static let defaultTokenExpirationSeconds = 3600

    public var aws: AWSInjection?
    public var gcp: GCPInjection?
    public var azure: AzureInjection?
    /// `skyferry.dev/token-audience`: replaces the default audience of the (single) projected token.
    public var tokenAudience: String?
    public var tokenExpirationSeconds: Int
    /// App containers that get neither mounts nor environment.
    public var skipContainers: [String]
    public var mode: InjectionMode

    public init(
        aws: AWSInjection? = nil,
        gcp: GCPInjection? = nil,
        azure: AzureInjection? = nil,
        tokenAudience: String? = nil,
        tokenExpirationSeconds: Int = Self.defaultTokenExpirationSeconds,
        skipContainers: [String] = [],
        mode: InjectionMode = .sidecar
    ) {
        self.aws = aws
        self.gcp = gcp
        self.azure = azure
        self.tokenAudience = tokenAudience
        self.tokenExpirationSeconds = tokenExpirationSeconds
        self.skipContainers = skipContainers
        self.mode = mode
    }
}
