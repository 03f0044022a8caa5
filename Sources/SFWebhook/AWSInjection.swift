import SFCore

public struct AWSInjection: Sendable, Equatable {
    public static let defaultAudience = "sts.amazonaws.com"
    public var roleArn: String
    public var region: String?

    public init(roleArn: String, region: String? = nil) {
        self.roleArn = roleArn
        self.region = region
    }
}
