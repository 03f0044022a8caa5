import FoundationEssentials

/// An exchanger was handed an identity kind it cannot use (configuration validation prevents this).
public struct UnsupportedIdentityError: Error, Sendable, CustomStringConvertible, ClassifiedFailure {
    public var provider: String
    public var identity: String
    public init(provider: String, identity: String) {
        self.provider = provider
        self.identity = identity
    }
    public var kind: FailureKind { .rejected }
    public var description: String { "the \(provider) target cannot use \(identity) as the workload identity" }
}
