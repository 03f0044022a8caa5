/// What name resolution gave for a host: its distinct numeric addresses in the resolver's order, or its error.
public struct HostResolution: Sendable, Equatable {
    public var addresses: [String]
    /// The resolver's message (`gai_strerror`) when resolution failed.
    public var error: String?

    public init(addresses: [String], error: String? = nil) {
        self.addresses = addresses
        self.error = error
    }
}
