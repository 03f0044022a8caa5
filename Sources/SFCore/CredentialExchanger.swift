import FoundationEssentials

/// Exchanges an identity for a cloud's credentials (one exchange, no retries of its own).
public protocol CredentialExchanger: Sendable {
    /// Provider name for logs and metrics (`aws`, `gcp`).
    var provider: String { get }
    /// Where the exchange goes, for logs.
    var endpointDescription: String { get }
    func exchange(_ identity: WorkloadIdentity) async throws -> IssuedCredentials
}
