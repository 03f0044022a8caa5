import SFCore

public struct GCPInjection: Sendable, Equatable {
    /// The workload identity provider's resource name; also the default token audience.
    public var audience: String
    public var serviceAccount: String?

    public init(audience: String, serviceAccount: String? = nil) {
        self.audience = audience
        self.serviceAccount = serviceAccount
    }
}
