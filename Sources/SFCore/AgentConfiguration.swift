/// The agent's configuration, validated: after `ConfigurationParser` nothing else checks it again.
///
/// Every default is written once, here, and listed in the README's configuration table.
public struct AgentConfiguration: Sendable, Equatable {
    public var source: SourceConfiguration
    public var targets: [TargetConfiguration]
    public var refresh: RefreshConfiguration
    /// Health, readiness and metrics server; nil: not served.
    public var health: HealthConfiguration?
    /// `server`: timeouts and connection cap of every loopback server (container endpoint, metadata server,
    /// IMDS, health); the handshake timeout is unused (plain HTTP).
    public var server: ServerLimits

    public init(source: SourceConfiguration, targets: [TargetConfiguration], refresh: RefreshConfiguration = .init(),
                health: HealthConfiguration? = nil, server: ServerLimits = .loopback) {
        self.source = source
        self.targets = targets
        self.refresh = refresh
        self.health = health
        self.server = server
    }

    /// The identity source a target exchanges: its own `source`, else the top-level one.
    public func source(for target: TargetConfiguration) -> SourceConfiguration {
        target.source ?? source
    }
}

/// Where the workload's own identity comes from. Exactly one per configuration.
public enum SourceConfiguration: Sendable, Equatable {
    /// An OIDC JWT in a file (a projected service-account token), re-read on every exchange.
    case tokenFile(path: String)
    /// A Google-signed ID token from the GCE/GKE metadata server.
    case gcpMetadata(GCPMetadataSourceConfiguration)
    /// AWS credentials from the AWS SDKs' credential chain (for GCP targets).
    case aws(AWSSourceConfiguration)

    /// The `source.*` key, for messages and logs.
    public var kind: String {
        switch self {
        case .tokenFile: return "tokenFile"
        case .gcpMetadata: return "gcpMetadata"
        case .aws: return "aws"
        }
    }

    /// The file holding the token, when the source is a file Google's libraries can read themselves.
    public var tokenFilePath: String? {
        if case .tokenFile(let path) = self { return path }
        return nil
    }
}

/// `source.aws`: environment, web identity, container credentials, then EC2 IMDSv2, as the AWS SDKs resolve them.
public struct AWSSourceConfiguration: Sendable, Equatable {
    /// The region to sign GetCallerIdentity for; nil: `AWS_REGION`, `AWS_DEFAULT_REGION`, then IMDS.
    public var region: String?

    public init(region: String? = nil) {
        self.region = region
    }
}

/// `source.gcpMetadata`: ID tokens for the instance's (or GKE Workload Identity's) service account.
public struct GCPMetadataSourceConfiguration: Sendable, Equatable {
    /// The default metadata server (plain HTTP on the link-local address, as on every GCE VM and GKE node).
    public static let defaultEndpoint = Endpoint(scheme: .http, host: "169.254.169.254")

    /// The `aud` of the ID token: what the other cloud's trust expects (`sts.amazonaws.com` for AWS).
    public var audience: String
    /// The metadata server; nil means `GCE_METADATA_HOST` when set, else `defaultEndpoint` (resolved at start-up).
    public var endpoint: Endpoint?
    /// The service account: `default` or an email.
    public var serviceAccount: String
    /// How long to wait for the metadata server to become ready (GKE's is not, for a pod's first seconds).
    public var startupWaitSeconds: Int

    public init(audience: String, endpoint: Endpoint? = nil, serviceAccount: String = "default", startupWaitSeconds: Int = 30) {
        self.audience = audience
        self.endpoint = endpoint
        self.serviceAccount = serviceAccount
        self.startupWaitSeconds = startupWaitSeconds
    }
}

/// One cloud identity to obtain and the outputs to hand it over in.
public struct TargetConfiguration: Sendable, Equatable {
    public var name: String
    public var provider: ProviderConfiguration
    public var outputs: OutputsConfiguration
    /// `targets[].source`: this target's own identity source; nil: the top-level `source`.
    /// (One pod exchanging at both clouds needs two projected tokens with different audiences.)
    public var source: SourceConfiguration?

    public init(name: String, provider: ProviderConfiguration, outputs: OutputsConfiguration, source: SourceConfiguration? = nil) {
        self.name = name
        self.provider = provider
        self.outputs = outputs
        self.source = source
    }
}

/// The cloud a target exchanges the identity at.
public enum ProviderConfiguration: Sendable, Equatable {
    case aws(AWSTargetConfiguration)
    case gcp(GCPTargetConfiguration)

    public var name: String {
        switch self {
        case .aws: return "aws"
        case .gcp: return "gcp"
        }
    }
}

/// `targets[].gcp`: workload identity federation (RFC 8693 at GCP STS), then optional impersonation.
public struct GCPTargetConfiguration: Sendable, Equatable {
    public static let defaultScopes = ["https://www.googleapis.com/auth/cloud-platform"]
    public static let defaultSTSEndpoint = Endpoint(scheme: .https, host: "sts.googleapis.com", path: "/v1/token")
    public static let defaultIAMEndpoint = Endpoint(scheme: .https, host: "iamcredentials.googleapis.com")

    /// `//iam.googleapis.com/projects/NUMBER/locations/global/workloadIdentityPools/POOL/providers/PROVIDER`.
    public var audience: String
    /// Impersonate this service account after the exchange (IAM Credentials `generateAccessToken`).
    public var serviceAccount: String?
    public var scopes: [String]
    /// Lifetime of the impersonated token (600–43200; over 3600 needs the org policy exception).
    public var lifetimeSeconds: Int?
    public var stsEndpoint: Endpoint?
    /// Base URL of IAM Credentials.
    public var iamEndpoint: Endpoint?

    public init(audience: String, serviceAccount: String? = nil, scopes: [String] = Self.defaultScopes, lifetimeSeconds: Int? = nil,
                stsEndpoint: Endpoint? = nil, iamEndpoint: Endpoint? = nil) {
        self.audience = audience
        self.serviceAccount = serviceAccount
        self.scopes = scopes
        self.lifetimeSeconds = lifetimeSeconds
        self.stsEndpoint = stsEndpoint
        self.iamEndpoint = iamEndpoint
    }

    public var resolvedSTSEndpoint: Endpoint { stsEndpoint ?? Self.defaultSTSEndpoint }
    public var resolvedIAMEndpoint: Endpoint { iamEndpoint ?? Self.defaultIAMEndpoint }

    /// The `generateAccessToken` URL for the service account (also `service_account_impersonation_url`).
    public var impersonationEndpoint: Endpoint? {
        serviceAccount.map { resolvedIAMEndpoint.appendingPath("/v1/projects/-/serviceAccounts/\($0):generateAccessToken") }
    }
}

/// `targets[].aws`: AssumeRoleWithWebIdentity settings.
public struct AWSTargetConfiguration: Sendable, Equatable {
    public var roleArn: String
    /// Picks the regional STS endpoint; nil means the global endpoint.
    public var region: String?
    /// The session name; nil lets the agent derive one from the token (see `AWSSessionName`).
    public var sessionName: String?
    /// Requested lifetime; nil lets STS apply the role's default (3600 s).
    public var durationSeconds: Int?
    /// Overrides the STS endpoint derived from region, partition and FIPS.
    public var stsEndpoint: Endpoint?
    /// Use the FIPS STS endpoint of the region.
    public var fips: Bool

    public init(roleArn: String, region: String? = nil, sessionName: String? = nil, durationSeconds: Int? = nil,
                stsEndpoint: Endpoint? = nil, fips: Bool = false) {
        self.roleArn = roleArn
        self.region = region
        self.sessionName = sessionName
        self.durationSeconds = durationSeconds
        self.stsEndpoint = stsEndpoint
        self.fips = fips
    }
}

/// `targets[].outputs`: output kind → settings. At least one is set.
public struct OutputsConfiguration: Sendable, Equatable {
    public var awsCredentialsFile: AWSCredentialsFileOutputConfiguration?
    public var awsWebIdentityTokenFile: TokenFileOutputConfiguration?
    public var gcpAccessTokenFile: TokenFileOutputConfiguration?
    public var gcpExternalAccountFile: ExternalAccountFileOutputConfiguration?
    public var awsContainerEndpoint: AWSContainerEndpointOutputConfiguration?
    public var gcpMetadataServer: GCPMetadataServerOutputConfiguration?

    public init(awsCredentialsFile: AWSCredentialsFileOutputConfiguration? = nil, awsWebIdentityTokenFile: TokenFileOutputConfiguration? = nil,
                gcpAccessTokenFile: TokenFileOutputConfiguration? = nil, gcpExternalAccountFile: ExternalAccountFileOutputConfiguration? = nil,
                awsContainerEndpoint: AWSContainerEndpointOutputConfiguration? = nil, gcpMetadataServer: GCPMetadataServerOutputConfiguration? = nil) {
        self.awsCredentialsFile = awsCredentialsFile
        self.awsWebIdentityTokenFile = awsWebIdentityTokenFile
        self.gcpAccessTokenFile = gcpAccessTokenFile
        self.gcpExternalAccountFile = gcpExternalAccountFile
        self.awsContainerEndpoint = awsContainerEndpoint
        self.gcpMetadataServer = gcpMetadataServer
    }

    /// True when an output hands over the identity token itself (so its expiry matters for refreshes).
    public var includesIdentityToken: Bool { awsWebIdentityTokenFile != nil }
}

/// `outputs.awsContainerEndpoint`: the AWS SDKs' container-credentials provider, served on
/// `http://LISTEN/v1/credentials/TARGET` (`AWS_CONTAINER_CREDENTIALS_FULL_URI`), which SDKs poll and
/// refresh from by themselves. The agent makes a random authorization token at start and writes it
/// to `authTokenFile` (`AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE`).
public struct AWSContainerEndpointOutputConfiguration: Sendable, Equatable {
    public static let defaultMode: UInt32 = 0o600
    /// The path a target's credentials are served on.
    public static func path(target: String) -> String { "/v1/credentials/\(target)" }

    public var listen: ListenAddress
    public var authTokenFile: String
    /// Mode of `authTokenFile`, re-applied on every write (0640 with an `fsGroup` lets an app running as another user read it).
    public var authTokenFileMode: UInt32
    /// With `allowNonLoopback`: further `Host` names (lower-cased, no port) the endpoint answers besides
    /// 127.0.0.1, localhost, [::1] and the listen host, e.g. the pod IP or a Service name other pods use.
    public var allowedHosts: [String]

    public init(listen: ListenAddress, authTokenFile: String, authTokenFileMode: UInt32 = Self.defaultMode,
                allowedHosts: [String] = []) {
        self.listen = listen
        self.authTokenFile = authTokenFile
        self.authTokenFileMode = authTokenFileMode
        self.allowedHosts = allowedHosts
    }
}

/// `outputs.gcpMetadataServer`: a GCE metadata-server emulation (`GCE_METADATA_HOST`), from which
/// Google's libraries and gcloud fetch and refresh access tokens by themselves.
public struct GCPMetadataServerOutputConfiguration: Sendable, Equatable {
    public var listen: ListenAddress
    /// `project/project-id`; nil: answered with 404, as for an unknown key.
    public var projectId: String?
    /// `project/numeric-project-id`; nil: the project number of the target's workload identity audience.
    public var numericProjectId: String?

    public init(listen: ListenAddress, projectId: String? = nil, numericProjectId: String? = nil) {
        self.listen = listen
        self.projectId = projectId
        self.numericProjectId = numericProjectId
    }
}

/// `outputs.gcpExternalAccountFile`: an `external_account` JSON for Google's libraries and gcloud.
public struct ExternalAccountFileOutputConfiguration: Sendable, Equatable {
    public var path: String
    public var mode: UInt32
    /// Where the agent keeps a fresh STS subject token for the libraries to read. Nil when the source is a
    /// token file (the libraries read that file directly); otherwise resolved by the parser to `<path>.subject-token`.
    public var subjectTokenPath: String?
    /// With an `aws` source: the agent serves the source's AWS credentials in EC2 IMDSv2 shape on this
    /// loopback address, and the file names it as an `aws1` credential source, the only AWS form that
    /// Google's Python library and gcloud accept (Go, Java and Node also read the subject-token file).
    public var imdsListen: ListenAddress?

    public init(path: String, mode: UInt32 = 0o600, subjectTokenPath: String? = nil, imdsListen: ListenAddress? = nil) {
        self.path = path
        self.mode = mode
        self.subjectTokenPath = subjectTokenPath
        self.imdsListen = imdsListen
    }
}

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

/// `refresh`: timing of exchanges, retries and refreshes.
public struct RefreshConfiguration: Sendable, Equatable {
    /// Refresh once this fraction of the issued lifetime has passed.
    public var lifetimeFraction: Double = 0.5
    /// Random spread around the refresh time, as a fraction of the refresh delay (±).
    public var jitterFraction: Double = 0.1
    /// One HTTP request's deadline (connect + transfer).
    public var requestTimeoutSeconds: Int = 10
    /// How long one exchange keeps retrying transient failures before it gives up (for `--once`, the whole budget).
    public var retryDeadlineSeconds: Int = 60
    /// First retry delay; doubles on each failure.
    public var backoffInitialSeconds: Double = 1
    /// Cap on the retry delay.
    public var backoffMaxSeconds: Double = 60
    /// Log a warning when an STS `Date` header differs from the local clock by more than this.
    public var clockSkewWarningSeconds: Int = 60
    /// A failed refresh with less validity than this left is an error, and readiness goes false.
    public var expiryMarginSeconds: Int = 60

    public init() {}
}
