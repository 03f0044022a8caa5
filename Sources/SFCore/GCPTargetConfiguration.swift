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

    public init(
        audience: String,
        serviceAccount: String? = nil,
        scopes: [String] = Self.defaultScopes,
        lifetimeSeconds: Int? = nil,
        stsEndpoint: Endpoint? = nil,
        iamEndpoint: Endpoint? = nil
    ) {
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
        serviceAccount.map {
            resolvedIAMEndpoint.appendingPath("/v1/projects/-/serviceAccounts/\($0):generateAccessToken")
        }
    }
}
