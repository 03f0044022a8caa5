import FoundationEssentials
import SFCore

/// The `gcpMetadata` source: Google-signed ID tokens from the GCE/GKE metadata server
/// (`…/instance/service-accounts/<sa>/identity?audience=…&format=full`, header `Metadata-Flavor: Google`).
///
/// GKE's metadata server is not ready for the first seconds of a new pod: connection failures, timeouts,
/// 429 and 5xx are `notReady` (`mayPassOnceReady`), and the agent's retry loop asks again with backoff for up
/// to `startupWait` (`startupWaitSeconds`). One fetch is one request: this source never retries itself.
public struct GCPMetadataIdentitySource: IdentityTokenSource {
    public let configuration: GCPMetadataSourceConfiguration
    public let endpoint: Endpoint
    private let transport: any HTTPTransport
    private let requestTimeout: Duration
    private let now: @Sendable () -> Date

    public init(
        configuration: GCPMetadataSourceConfiguration,
        endpoint: Endpoint,
        transport: any HTTPTransport,
        requestTimeout: Duration,
        now: @escaping @Sendable () -> Date
    ) {
        self.configuration = configuration
        self.endpoint = endpoint
        self.transport = transport
        self.requestTimeout = requestTimeout
        self.now = now
    }

    public var origin: String {
        "GCE metadata server \(endpoint.authority) (service account \(configuration.serviceAccount))"
    }

    public var startupWait: Duration { .seconds(configuration.startupWaitSeconds) }

    /// The identity request, pure.
    public static func request(endpoint: Endpoint, serviceAccount: String, audience: String) -> HTTPRequest {
        HTTPRequest(
            method: "GET",
            endpoint: endpoint.appendingPath(
                "/computeMetadata/v1/instance/service-accounts/\(PercentEncoding.encode(serviceAccount))/identity"
            ),
            query: "audience=\(PercentEncoding.encode(audience))&format=full",
            headers: [("Metadata-Flavor", "Google")]
        )
    }

    public func fetchToken() async throws -> IdentityToken {
        let request = Self.request(
            endpoint: endpoint,
            serviceAccount: configuration.serviceAccount,
            audience: configuration.audience
        )
        let response: HTTPResponse
        do {
            response = try await transport.send(request, timeout: requestTimeout)
        } catch {
            throw GCPMetadataError.notReady(endpoint: endpoint.authority, waited: startupWait, underlying: error)
        }
        switch response.status {
        case 200:
            let token = try IdentityToken(decoding: response.text, origin: origin)
            try token.checkValidity(now: now(), origin: origin)
            return token
        case 500..<600, 429:
            throw GCPMetadataError.notReady(
                endpoint: endpoint.authority,
                waited: startupWait,
                underlying: GCPMetadataError.unavailable(status: response.status)
            )
        default:
            throw GCPMetadataError.rejected(
                endpoint: endpoint.authority,
                serviceAccount: configuration.serviceAccount,
                status: response.status,
                body: String(response.text.prefix(200))
            )
        }
    }
}

/// Why the metadata server gave no ID token.
public enum GCPMetadataError: Error, Sendable, Equatable, CustomStringConvertible, ClassifiedFailure {
    /// Not ready yet: `underlying` is the last answer's failure (an `HTTPTransportError`, or `.unavailable`);
    /// `waited` is the startup wait the agent asks again for before this failure stands.
    case notReady(endpoint: String, waited: Duration, underlying: any Error)
    /// An answer of HTTP 429 or 5xx: the metadata server is up but not serving yet.
    case unavailable(status: Int)
    case rejected(endpoint: String, serviceAccount: String, status: Int, body: String)

    public var kind: FailureKind { .source }

    public var mayPassOnceReady: Bool {
        if case .notReady = self { return true }
        return false
    }

    public var description: String {
        switch self {
        case .notReady(let endpoint, let waited, let underlying):
            // Zero: one request, nothing waited for (the doctor, or `startupWaitSeconds: 0`).
            let tried =
                waited == .zero
                ? "is not ready (one request, " : "did not answer within \(Int(waited.seconds)) s ("
            return "the GCE metadata server at \(endpoint) \(tried)last: \(underlying)). Is this a GCE VM or a GKE pod "
                + "with Workload Identity? Outside GCP, set source.gcpMetadata.endpoint or GCE_METADATA_HOST."
        case .unavailable(let status):
            return "HTTP \(status)"
        case .rejected(let endpoint, let serviceAccount, let status, let body):
            var hint = ""
            switch status {
            case 404:
                hint =
                    " The service account \(serviceAccount) is not attached: on GKE, annotate the Kubernetes service"
                    + " account with iam.gke.io/gcp-service-account and enable Workload Identity on the node pool; "
                    + "on a VM, attach a service account."
            case 403:
                hint =
                    " The metadata server refused the request: check that the Metadata-Flavor header is not stripped"
                    + " by a proxy, and that the Kubernetes service account is bound to a Google service account "
                    + "(roles/iam.workloadIdentityUser)."
            case 400: hint = " Check source.gcpMetadata.audience."
            default: break
            }
            return
                "the GCE metadata server at \(endpoint) refused an ID token for \(serviceAccount) (HTTP \(status)): "
                + "\(body.trimmingASCIIWhitespace()).\(hint)"
        }
    }

    /// Causes compare by type and description (`any Error` is not `Equatable`).
    public static func == (lhs: Self, rhs: Self) -> Bool {
        switch (lhs, rhs) {
        case (.notReady(let e1, let w1, let u1), .notReady(let e2, let w2, let u2)):
            return e1 == e2 && w1 == w2 && sameFailure(u1, u2)
        case (.unavailable(let s1), .unavailable(let s2)):
            return s1 == s2
        case (.rejected(let e1, let a1, let s1, let b1), .rejected(let e2, let a2, let s2, let b2)):
            return e1 == e2 && a1 == a2 && s1 == s2 && b1 == b2
        default:
            return false
        }
    }
}
