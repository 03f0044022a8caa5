import FoundationEssentials

/// Produces the workload's identity (reads a file, asks a metadata server, walks the AWS credential chain…).
public protocol IdentitySource: Sendable {
    /// A human-readable origin for messages (`token file /var/run/...`).
    var origin: String { get }
    func fetchIdentity() async throws -> WorkloadIdentity
}
