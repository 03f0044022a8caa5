import FoundationEssentials

/// Produces the workload's identity token (reads a file, asks a metadata server…).
public protocol IdentityTokenSource: Sendable {
    /// A human-readable origin for messages (`token file /var/run/...`).
    var origin: String { get }
    func fetchToken() async throws -> IdentityToken
}

/// Exchanges an identity token for a cloud's credentials (one HTTP exchange, no retries of its own).
public protocol CredentialExchanger: Sendable {
    /// Provider name for logs and metrics (`aws`, `gcp`).
    var provider: String { get }
    /// Where the exchange goes, for logs.
    var endpointDescription: String { get }
    func exchange(_ token: IdentityToken) async throws -> IssuedCredentials
}
