import FoundationEssentials
import Logging
import SFCore

/// The `gcpMetadata` source: Google-signed ID tokens from the GCE/GKE metadata server
/// (`…/instance/service-accounts/<sa>/identity?audience=…&format=full`, header `Metadata-Flavor: Google`).
///
/// GKE's metadata server is not ready for the first seconds of a new pod, so connection failures,
/// timeouts and 5xx are retried with backoff for up to `startupWaitSeconds` before the fetch fails.
public struct GCPMetadataIdentitySource<C: Clock>: IdentityTokenSource where C.Duration == Duration {
    public let configuration: GCPMetadataSourceConfiguration
    public let endpoint: Endpoint
    private let transport: any HTTPTransport
    private let requestTimeout: Duration
    private let clock: C
    private let now: @Sendable () -> Date
    private let random: SharedRandom
    private let logger: Logger

    public init(configuration: GCPMetadataSourceConfiguration, endpoint: Endpoint, transport: any HTTPTransport,
                requestTimeout: Duration, clock: C, now: @escaping @Sendable () -> Date, random: SharedRandom, logger: Logger) {
        self.configuration = configuration
        self.endpoint = endpoint
        self.transport = transport
        self.requestTimeout = requestTimeout
        self.clock = clock
        self.now = now
        self.random = random
        self.logger = logger
    }

    public var origin: String { "GCE metadata server \(endpoint.authority) (service account \(configuration.serviceAccount))" }

    /// The identity request, pure.
    public static func request(endpoint: Endpoint, serviceAccount: String, audience: String) -> HTTPRequest {
        HTTPRequest(
            method: "GET",
            endpoint: endpoint.appendingPath("/computeMetadata/v1/instance/service-accounts/\(PercentEncoding.encode(serviceAccount))/identity"),
            query: "audience=\(PercentEncoding.encode(audience))&format=full",
            headers: [("Metadata-Flavor", "Google")])
    }

    public func fetchToken() async throws -> IdentityToken {
        let request = Self.request(endpoint: endpoint, serviceAccount: configuration.serviceAccount, audience: configuration.audience)
        let wait = Duration.seconds(configuration.startupWaitSeconds)
        let deadline = clock.now.advanced(by: wait)
        let backoff = Backoff(initial: .milliseconds(250), maximum: .seconds(4))
        var random = random
        var attempt = 0
        while true {
            let failure: GCPMetadataError
            do {
                let response = try await transport.send(request, timeout: requestTimeout)
                switch response.status {
                case 200:
                    let token = try IdentityToken(decoding: response.text, origin: origin)
                    try token.checkValidity(now: now(), origin: origin)
                    return token
                case 500..<600, 429:
                    failure = .notReady(endpoint: endpoint.authority, waited: wait, last: "HTTP \(response.status)")
                default:
                    throw GCPMetadataError.rejected(endpoint: endpoint.authority, serviceAccount: configuration.serviceAccount,
                                                    status: response.status, body: String(response.text.prefix(200)))
                }
            } catch let error as HTTPTransportError {
                failure = .notReady(endpoint: endpoint.authority, waited: wait, last: error.description)
            }
            let remaining = clock.now.duration(to: deadline)
            guard remaining > .zero else { throw failure }
            let delay = min(backoff.delay(attempt: attempt, using: &random), remaining)
            attempt += 1
            logger.notice("metadata server not ready; waiting", metadata: [
                "metadata.endpoint": "\(endpoint.authority)", "retry.in": "\(Int(delay.seconds * 1000))ms", "retry.attempt": "\(attempt)",
            ])
            try await clock.sleep(for: delay)
        }
    }
}

/// Why the metadata server gave no ID token.
public enum GCPMetadataError: Error, Sendable, Equatable, CustomStringConvertible, ClassifiedFailure {
    case notReady(endpoint: String, waited: Duration, last: String)
    case rejected(endpoint: String, serviceAccount: String, status: Int, body: String)

    public var kind: FailureKind { .source }

    public var description: String {
        switch self {
        case .notReady(let endpoint, let waited, let last):
            return "the GCE metadata server at \(endpoint) did not answer within \(Int(waited.seconds)) s (last: \(last)). Is this a GCE VM or a GKE pod with Workload Identity? Outside GCP, set source.gcpMetadata.endpoint or GCE_METADATA_HOST."
        case .rejected(let endpoint, let serviceAccount, let status, let body):
            var hint = ""
            switch status {
            case 404: hint = " The service account \(serviceAccount) is not attached: on GKE, annotate the Kubernetes service account with iam.gke.io/gcp-service-account and enable Workload Identity on the node pool; on a VM, attach a service account."
            case 403: hint = " The metadata server refused the request: check that the Metadata-Flavor header is not stripped by a proxy, and that the Kubernetes service account is bound to a Google service account (roles/iam.workloadIdentityUser)."
            case 400: hint = " Check source.gcpMetadata.audience."
            default: break
            }
            return "the GCE metadata server at \(endpoint) refused an ID token for \(serviceAccount) (HTTP \(status)): \(body.trimmingASCIIWhitespace()).\(hint)"
        }
    }
}

extension GCPMetadataSourceConfiguration {
    /// The metadata endpoint: the configured one, else `GCE_METADATA_HOST` (host[:port], as Google's libraries take it), else the default.
    public static func resolveEndpoint(configured: Endpoint?, environment: [String: String]) throws(EndpointError) -> Endpoint {
        if let configured { return configured }
        if let host = environment["GCE_METADATA_HOST"], !host.isEmpty {
            return try Endpoint(parsing: "http://" + host, allowMetadataHosts: true)
        }
        return defaultEndpoint
    }
}
