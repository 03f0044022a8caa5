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

    public var expiration: Date {
        switch self {
        case .aws(let credentials): return credentials.expiration
        }
    }

    public var description: String {
        switch self {
        case .aws(let credentials): return credentials.description
        }
    }
}

/// One successful exchange: the credentials, and the identity token they were obtained with
/// (outputs such as `awsWebIdentityTokenFile` hand the token itself over).
public struct ExchangeOutcome: Sendable, Equatable, CustomStringConvertible {
    public var credentials: IssuedCredentials
    public var token: IdentityToken

    public init(credentials: IssuedCredentials, token: IdentityToken) {
        self.credentials = credentials
        self.token = token
    }

    /// When the outputs stop being valid: the credentials' expiry, or the token's if it is handed over and expires first.
    public func expiration(includingToken: Bool) -> Date {
        guard includingToken, let tokenExpiry = token.claims.expiresAt else { return credentials.expiration }
        return min(tokenExpiry, credentials.expiration)
    }

    public var description: String { "ExchangeOutcome(\(credentials), \(token))" }
}
