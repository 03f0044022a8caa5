/// How a failure should be treated by whoever decides what to do next (the retry loop, the `--once` exit code).
public enum FailureKind: Sendable, Equatable {
    /// The identity source could not produce a usable token.
    case source
    /// The STS understood and refused: configuration or trust is wrong. Retrying will not help
    /// unless something changes (the token rotates, an operator fixes the trust policy).
    case rejected
    /// The STS or the network did not answer usefully: retry with backoff.
    case unavailable
    /// Writing an output failed.
    case output
}
