extension Endpoint {
    /// The URL `skyferry probe` may GET: plain http to a loopback host, where the agent's health server listens
    /// (the kubelet's exec probe runs in the pod, and a probe must never leave it).
    public static func probeURL(_ text: String) throws(ProbeURLError) -> Endpoint {
        let endpoint: Endpoint
        do {
            endpoint = try Endpoint(parsing: text)
        } catch {
            throw .invalid(url: text, underlying: error)
        }
        guard endpoint.scheme == .http, isLoopbackHost(endpoint.host) else { throw .notLoopbackHTTP(url: text) }
        return endpoint
    }
}
