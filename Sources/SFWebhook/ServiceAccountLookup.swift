/// What the webhook learned about a pod's ServiceAccount, from the cache or the API server.
public enum ServiceAccountLookup: Sendable, Equatable {
    /// The ServiceAccount and its `skyferry.dev/*` annotations (others are not kept).
    case found(ServiceAccountReference, annotations: [String: String])
    /// The API server says it does not exist (it then rejects the pod itself, unless it is created meanwhile).
    case notFound(ServiceAccountReference)
    /// Neither the cache nor the API server could answer; `reason` says why (never holds the token).
    case unavailable(ServiceAccountReference, reason: String)

    public var reference: ServiceAccountReference {
        switch self {
        case .found(let reference, _), .notFound(let reference), .unavailable(let reference, _): return reference
        }
    }
}
