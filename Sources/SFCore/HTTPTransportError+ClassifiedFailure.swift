/// No answer, or no complete one: retried with backoff.
extension HTTPTransportError: ClassifiedFailure {
    public var kind: FailureKind { .unavailable }
}
