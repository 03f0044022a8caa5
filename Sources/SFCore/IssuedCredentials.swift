import FoundationEssentials

/// Temporary AWS credentials from STS. Secret-bearing: `description` shows the key id's prefix and expiry only.
public struct AWSCredentials: Sendable, Equatable, CustomStringConvertible {
    public var accessKeyID: String
    public var secretAccessKey: String
    public var sessionToken: String
    public var expiration: Date
    /// The assumed role's ARN (`arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION`), when STS said.
    public var assumedRoleARN: String?

    public init(accessKeyID: String, secretAccessKey: String, sessionToken: String, expiration: Date, assumedRoleARN: String? = nil) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
        self.expiration = expiration
        self.assumedRoleARN = assumedRoleARN
    }

    /// The account, the fifth field of the assumed-role ARN.
    public var accountID: String? {
        guard let arn = assumedRoleARN else { return nil }
        let parts = arn.split(separator: ":", omittingEmptySubsequences: false)
        return parts.count > 4 && !parts[4].isEmpty ? String(parts[4]) : nil
    }

    public var description: String {
        "AWSCredentials(\(accessKeyID.prefix(4))…, expires \(Timestamp.formatISO8601(expiration)))"
    }
}

/// What a target's exchange produced. Outputs render from this.
public enum IssuedCredentials: Sendable, Equatable, CustomStringConvertible {
    case aws(AWSCredentials)
    case gcp(GCPAccessToken)

    public var expiration: Date {
        switch self {
        case .aws(let credentials): return credentials.expiration
        case .gcp(let token): return token.expiration
        }
    }

    public var description: String {
        switch self {
        case .aws(let credentials): return credentials.description
        case .gcp(let token): return token.description
        }
    }
}

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

    public init(token: String, expiration: Date, serviceAccount: String? = nil, scopes: [String] = [],
                subjectToken: String = "", subjectTokenExpiration: Date? = nil, federatedToken: String? = nil, federatedTokenExpiration: Date? = nil) {
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
        "GCPAccessToken(<redacted>\(serviceAccount.map { " for \($0)" } ?? ""), expires \(Timestamp.formatISO8601(expiration)))"
    }
}

/// One successful exchange: the credentials, and the identity they were obtained with
/// (outputs such as `awsWebIdentityTokenFile` hand the identity token itself over).
public struct ExchangeOutcome: Sendable, Equatable, CustomStringConvertible {
    public var credentials: IssuedCredentials
    public var identity: WorkloadIdentity

    public init(credentials: IssuedCredentials, identity: WorkloadIdentity) {
        self.credentials = credentials
        self.identity = identity
    }

    /// The identity's JWT, when it is one.
    public var token: IdentityToken? {
        if case .token(let token) = identity { return token }
        return nil
    }

    /// When the outputs stop being valid: the credentials' expiry, or that of anything else they hand over
    /// (the identity token, an agent-kept STS subject token) if it expires first. Refreshes are planned from this.
    public func expiration(for outputs: OutputsConfiguration) -> Date {
        var earliest = credentials.expiration
        if outputs.includesIdentityToken, let identityExpiry = identity.expiration {
            earliest = min(earliest, identityExpiry)
        }
        if outputs.gcpExternalAccountFile?.subjectTokenPath != nil, case .gcp(let access) = credentials,
           let subjectExpiry = access.subjectTokenExpiration {
            earliest = min(earliest, subjectExpiry)
        }
        return earliest
    }

    public var description: String { "ExchangeOutcome(\(credentials), \(identity))" }
}
