import FoundationEssentials

/// Produces the workload's identity (reads a file, asks a metadata server, walks the AWS credential chain…).
public protocol IdentitySource: Sendable {
    /// A human-readable origin for messages (`token file /var/run/...`).
    var origin: String { get }
    /// How long the agent asks again while this source is not ready yet (its failure `mayPassOnceReady`:
    /// GKE's metadata server for the first seconds of a pod). Zero, by default: one answer counts.
    var startupWait: Duration { get }
    /// One try, no retries of its own: the agent's retry loop (`TargetExchange`) decides about asking again.
    func fetchIdentity() async throws -> WorkloadIdentity
}

extension IdentitySource {
    public var startupWait: Duration { .zero }
}
