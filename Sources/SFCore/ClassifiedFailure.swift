/// An error that knows its `FailureKind`. Errors that don't conform are treated as `.unavailable`.
public protocol ClassifiedFailure: Error {
    var kind: FailureKind { get }
    /// A rejection that may pass with a fresh identity token (expired or rotated token): re-read and retry once.
    var mayPassWithFreshToken: Bool { get }
    /// A source that is not ready yet (refused, timed out, 5xx): asked again until its `startupWait` has passed.
    var mayPassOnceReady: Bool { get }
}

extension ClassifiedFailure {
    public var mayPassWithFreshToken: Bool { false }
    public var mayPassOnceReady: Bool { false }
}

/// The `FailureKind` of any error.
public func failureKind(of error: any Error) -> FailureKind {
    (error as? any ClassifiedFailure)?.kind ?? .unavailable
}

/// Whether two causes are the same failure: the same type and the same description. For the `Equatable`
/// conformance of errors that keep an `underlying: any Error` (which is not `Equatable` itself).
public func sameFailure(_ lhs: (any Error)?, _ rhs: (any Error)?) -> Bool {
    switch (lhs, rhs) {
    case (nil, nil): return true
    case (let a?, let b?):
        return ObjectIdentifier(type(of: a)) == ObjectIdentifier(type(of: b))
            && String(describing: a) == String(describing: b)
    default: return false
    }
}
