/// `health`: where the agent serves `/healthz`, `/readyz` and `/metrics`.
public struct HealthConfiguration: Sendable, Equatable {
    public var listen: ListenAddress

    public init(listen: ListenAddress) {
        self.listen = listen
    }
}
