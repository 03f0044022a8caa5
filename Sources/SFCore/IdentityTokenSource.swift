import FoundationEssentials

/// A source of OIDC JWTs.
public protocol IdentityTokenSource: IdentitySource {
    func fetchToken() async throws -> IdentityToken
}

extension IdentityTokenSource {
    public func fetchIdentity() async throws -> WorkloadIdentity { .token(try await fetchToken()) }
}
