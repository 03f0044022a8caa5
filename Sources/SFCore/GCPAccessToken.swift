import FoundationEssentials

/// A Google OAuth access token (from STS, or impersonating a service account). Secret-bearing.
public struct GCPAccessToken: Sendable, Equatable, CustomStringConvertible {
    public var token: String
    public var expiration: Date
    /// The impersonated service account, when there is one.
    public var serviceAccount: String?
    public var scopes: [String]
    /// The STS subject token the exchange used (a JWT, or a signed GetCallerIdentity request), so an
    /// `external_account` file can point Google's libraries at a copy of it; and until when it is usable.
    public var subjectToken: String
    public var subjectTokenExpiration: Date?
    /// With impersonation: the federated STS token the service account was impersonated with, which
    /// may also mint the account's ID tokens (`roles/iam.workloadIdentityUser` grants getOpenIdToken).
    public var federatedToken: String?
    public var federatedTokenExpiration: Date?

    public init(
        token: String,
        expiration: Date,
        serviceAccount: String? = nil,
        scopes: [String] = [],
        subjectToken: String = "",
        subjectTokenExpiration: Date? = nil,
        federatedToken: String? = nil,
        federatedTokenExpiration: Date? = nil
    ) {
        self.token = token
        self.expiration = expiration
        self.serviceAccount = serviceAccount
        self.scopes = scopes
        self.subjectToken = subjectToken
        self.subjectTokenExpiration = subjectTokenExpiration
        self.federatedToken = federatedToken
        self.federatedTokenExpiration = federatedTokenExpiration
    }

    public var description: String {
        "GCPAccessToken(<redacted>\(serviceAccount.map { " for \($0)" } ?? ""), expires "
            + "\(Timestamp.formatISO8601(expiration)))"
    }
}
