import FoundationEssentials

/// Whether a "no matching federated identity credential" answer (AADSTS70021, 700211-700213) may be the
/// propagation delay of a credential created moments ago ("a few seconds", Entra's documentation), and so worth
/// retrying rather than fatal. Pure: time is a parameter.
///
/// The rule: until the exchanger has had a success, the first `maximumRetries` such answers within `window` of its
/// first attempt are retried (with the loop's backoff: 1 s, 2 s, 4 s by default); the next one is a rejection. A
/// target that never matched fails in about 7 seconds, as it would without the grace; one that matched once is
/// never granted it again (a credential deleted later is a real rejection).
public struct FederatedCredentialPropagation: Sendable, Equatable {
    public static let window: Double = 60
    public static let maximumRetries = 3

    public private(set) var firstAttempt: Date?
    public private(set) var retriesGranted = 0
    public private(set) var succeeded = false

    public init() {}

    /// Called before each request.
    public mutating func attempting(at now: Date) {
        if firstAttempt == nil { firstAttempt = now }
    }

    public mutating func recordSuccess() {
        succeeded = true
    }

    /// Called on a no-match answer: true (and counted) when it is to be retried.
    public mutating func grantsRetry(at now: Date) -> Bool {
        guard !succeeded, retriesGranted < Self.maximumRetries, let first = firstAttempt,
            now.timeIntervalSince(first) < Self.window
        else { return false }
        retriesGranted += 1
        return true
    }
}
