/// An Azure target's exchanger: besides the refresh (`exchange`, every pre-fetched resource at once), one
/// resource on demand, for the managed-identity endpoint's first request for a resource not pre-fetched.
public protocol AzureResourceExchanger: CredentialExchanger {
    /// One client-credentials exchange for `resource` (an application ID URI, with or without `/.default`).
    func exchange(_ identity: WorkloadIdentity, resource: String) async throws -> AzureAccessToken
}

/// Access tokens for one Azure target, by resource: the latest refresh's when still valid, else exchanged now
/// and cached until near expiry. What the managed-identity endpoint asks.
public protocol AzureTokenProvider: Sendable {
    /// The client id tokens are issued to (a request naming another `client_id` is refused).
    var clientId: String { get }
    /// A token for `resource` valid for a while yet. Throws a `ClassifiedFailure` when none can be had:
    /// `.rejected` (Entra refused: configuration or trust) or `.unavailable`/`.source` (try again later).
    func accessToken(for resource: String) async throws -> AzureAccessToken
}
