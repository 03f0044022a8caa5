import SFCore

/// A Kubernetes service account whose projected token is the workload's identity.
public struct KubernetesWorkload: Sendable, Equatable {
    public var issuer: ClusterIssuer
    public var namespace: String
    public var serviceAccount: String

    public init(issuer: ClusterIssuer, namespace: String, serviceAccount: String) {
        self.issuer = issuer
        self.namespace = namespace
        self.serviceAccount = serviceAccount
    }

    /// `system:serviceaccount:NS:SA`, the token's `sub`.
    public var subject: String { "system:serviceaccount:\(namespace):\(serviceAccount)" }
}
