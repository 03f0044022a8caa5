/// A token that cannot be read or used is the source's failure.
extension IdentityTokenError: ClassifiedFailure {
    public var kind: FailureKind { .source }
}
