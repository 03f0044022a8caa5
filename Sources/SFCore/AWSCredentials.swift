import FoundationEssentials

/// Temporary AWS credentials from STS. Secret-bearing: `description` shows the key id's prefix and expiry only.
public struct AWSCredentials: Sendable, Equatable, CustomStringConvertible {
    public var accessKeyID: String
    public var secretAccessKey: String
    public var sessionToken: String
    public var expiration: Date
    /// The assumed role's ARN (`arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION`), when STS said.
    public var assumedRoleARN: String?

    public init(
        accessKeyID: String,
        secretAccessKey: String,
        sessionToken: String,
        expiration: Date,
        assumedRoleARN: String? = nil
    ) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
        self.expiration = expiration
        self.assumedRoleARN = assumedRoleARN
    }

    /// The account, from the assumed-role ARN.
    public var accountID: String? {
        assumedRoleARN.flatMap(IAMRoleARN.assumedRole)?.accountID
    }

    public var description: String {
        "AWSCredentials(\(accessKeyID.prefix(4))…, expires \(Timestamp.formatISO8601(expiration)))"
    }
}
