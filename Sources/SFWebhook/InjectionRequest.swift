import SFCore

/// What a pod asks for through its `skyferry.dev/*` annotations, validated.
public struct InjectionRequest: Sendable, Equatable {
    /// The projected token's lifetime when `skyferry.dev/token-expiration` is not set.
    public static let defaultTokenExpirationSeconds = 3600

    public var aws: AWSInjection?
    public var gcp: GCPInjection?
    /// `skyferry.dev/token-audience`: replaces the default audience of the (single) projected token.
    public var tokenAudience: String?
    public var tokenExpirationSeconds: Int
    /// App containers that get neither mounts nor environment.
    public var skipContainers: [String]
    public var mode: InjectionMode

    public init(aws: AWSInjection? = nil, gcp: GCPInjection? = nil, tokenAudience: String? = nil,
                tokenExpirationSeconds: Int = Self.defaultTokenExpirationSeconds, skipContainers: [String] = [], mode: InjectionMode = .sidecar) {
        self.aws = aws
        self.gcp = gcp
        self.tokenAudience = tokenAudience
        self.tokenExpirationSeconds = tokenExpirationSeconds
        self.skipContainers = skipContainers
        self.mode = mode
    }
}

public struct AWSInjection: Sendable, Equatable {
    public static let defaultAudience = "sts.amazonaws.com"
    public var roleArn: String
    public var region: String?

    public init(roleArn: String, region: String? = nil) {
        self.roleArn = roleArn
        self.region = region
    }
}

public struct GCPInjection: Sendable, Equatable {
    /// The workload identity provider's resource name; also the default token audience.
    public var audience: String
    public var serviceAccount: String?

    public init(audience: String, serviceAccount: String? = nil) {
        self.audience = audience
        self.serviceAccount = serviceAccount
    }
}

/// `skyferry.dev/mode`.
public enum InjectionMode: String, Sendable, Equatable, CaseIterable {
    /// The agent keeps credentials fresh next to the app (native sidecar, or init + sidecar).
    case sidecar
    /// One `--once` init container writes credential files; for Jobs and CronJobs.
    case initOnly = "init-only"
}
