import SFCore
import SFWebhook

/// Answers the admission route's question "what does this pod's ServiceAccount say?": from the cache, else
/// with one direct `GET` (a ServiceAccount created a moment before its first pod may not have reached the
/// watch yet, the race IRSA's webhook is known for).
public struct ServiceAccountResolver: Sendable {
    /// A direct read must leave room in the API server's admission timeout (10 s by default).
    public static let getTimeout = Duration.seconds(3)

    let cache: ServiceAccountCache
    let requests: KubernetesAPIRequests
    let transport: any HTTPTransport
    let token: KubernetesTokenFile
    let metrics: ServiceAccountMetrics

    public init(
        cache: ServiceAccountCache,
        requests: KubernetesAPIRequests,
        transport: any HTTPTransport,
        token: KubernetesTokenFile,
        metrics: ServiceAccountMetrics
    ) {
        self.cache = cache
        self.requests = requests
        self.transport = transport
        self.token = token
        self.metrics = metrics
    }

    public func lookup(_ reference: ServiceAccountReference) async -> ServiceAccountLookup {
        if let annotations = cache.annotations(of: reference) {
            metrics.record(.hit)
            return .found(reference, annotations: annotations)
        }
        let result = await fetch(reference)
        switch result {
        case .found: metrics.record(.fetched)
        case .notFound: metrics.record(.notFound)
        case .unavailable: metrics.record(.unavailable)
        }
        return result
    }

    func fetch(_ reference: ServiceAccountReference) async -> ServiceAccountLookup {
        for attempt in 0..<2 {
            let bearer: String
            do {
                bearer = try token.current()
            } catch {
                return .unavailable(reference, reason: error.description)
            }
            let response: HTTPResponse
            do {
                response = try await transport.send(requests.get(reference, token: bearer), timeout: Self.getTimeout)
            } catch {
                return .unavailable(reference, reason: "API server unreachable: \(error)")
            }
            switch response.status {
            case 200:
                do {
                    let document = try JSONValue(parsing: response.body)
                    let record = try ServiceAccountRecord(decoding: document, at: "ServiceAccount")
                    cache.update { $0.remember(record) }
                    return .found(reference, annotations: record.annotations)
                } catch {
                    return .unavailable(reference, reason: "\(error)")
                }
            case 404:
                return .notFound(reference)
            case 401:
                guard attempt == 0 else { break }
                token.invalidate()  // rotated since it was read: once more with the file's current token
                continue
            default:
                return .unavailable(
                    reference,
                    reason: "the API server answered HTTP \(response.status) to GET "
                        + "\(reference)" + (response.status == 403 ? " (check the webhook's ClusterRole)" : "")
                )
            }
        }
        return .unavailable(
            reference,
            reason: "the API server refused the webhook's token (HTTP 401; kubernetes.tokenFile \(token.path))"
        )
    }
}
