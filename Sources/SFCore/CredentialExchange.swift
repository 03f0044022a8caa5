import FoundationEssentials

/// What an identity source hands to an exchanger: the workload's own proof of identity.
public enum WorkloadIdentity: Sendable, Equatable, CustomStringConvertible {
    /// An OIDC JWT (a projected service-account token, a Google ID token).
    case token(IdentityToken)
    /// AWS credentials and the region to sign for (GCP federation builds a signed GetCallerIdentity from them).
    case aws(AWSCredentials, region: String)

    /// When this identity stops being usable, when known.
    public var expiration: Date? {
        switch self {
        case .token(let token): return token.claims.expiresAt
        case .aws(let credentials, _): return credentials.expiration
        }
    }

    public var description: String {
        switch self {
        case .token(let token): return token.description
        case .aws(let credentials, let region): return "\(credentials) in \(region)"
        }
    }
}

/// Produces the workload's identity (reads a file, asks a metadata server, walks the AWS credential chain…).
public protocol IdentitySource: Sendable {
    /// A human-readable origin for messages (`token file /var/run/...`).
    var origin: String { get }
    /// How long the agent asks again while this source is not ready yet (its failure `mayPassOnceReady`:
    /// GKE's metadata server for the first seconds of a pod). Zero, by default: one answer counts.
    var startupWait: Duration { get }
    /// One try, no retries of its own: the agent's retry loop (`TargetExchange`) decides about asking again.
    func fetchIdentity() async throws -> WorkloadIdentity
}

extension IdentitySource {
    public var startupWait: Duration { .zero }
}

/// A source of OIDC JWTs.
public protocol IdentityTokenSource: IdentitySource {
    func fetchToken() async throws -> IdentityToken
}

extension IdentityTokenSource {
    public func fetchIdentity() async throws -> WorkloadIdentity { .token(try await fetchToken()) }
}

/// Turns AWS credentials into a subject token that another cloud's STS verifies by replaying it (GCP's
/// `aws4_request`: a SigV4-signed, unsent GetCallerIdentity). SFAWS signs (`AWSSubjectToken`); the composition
/// root hands the signer to GCP federation, so neither provider target imports the other.
public protocol AWSSubjectTokenSigner: Sendable {
    /// How long a token signed now is accepted.
    var validity: Duration { get }
    /// The serialized token for `credentials` in `region`, bound to `targetResource` (signed, so that it cannot
    /// be replayed against another), signed at `date`.
    func subjectToken(credentials: AWSCredentials, region: String, targetResource: String, date: Date) -> String
}

/// Exchanges an identity for a cloud's credentials (one exchange, no retries of its own).
public protocol CredentialExchanger: Sendable {
    /// Provider name for logs and metrics (`aws`, `gcp`).
    var provider: String { get }
    /// Where the exchange goes, for logs.
    var endpointDescription: String { get }
    func exchange(_ identity: WorkloadIdentity) async throws -> IssuedCredentials
}

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
