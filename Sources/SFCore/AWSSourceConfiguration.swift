/// `source.aws`: environment, web identity, container credentials, then EC2 IMDSv2, as the AWS SDKs resolve them.
public struct AWSSourceConfiguration: Sendable, Equatable {
    /// The region to sign GetCallerIdentity for; nil: `AWS_REGION`, `AWS_DEFAULT_REGION`, then IMDS.
    public var region: String?

    public init(region: String? = nil) {
        self.region = region
    }
}
