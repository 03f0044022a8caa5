import ArgumentParser
import SFCore
import SFDiagnostics

/// Where the workload's Kubernetes token comes from, shared by both directions.
struct ClusterOptions: ParsableArguments {
    @Option(name: .long, help: "The cluster's OIDC issuer URL (self-hosted clusters, or one already looked up).")
    var issuer: String?

    @Option(
        name: .long,
        help: "An EKS cluster name: its issuer is looked up with `aws eks describe-cluster` (needs --eks-region)."
    )
    var eksCluster: String?

    @Option(name: .long, help: "The EKS cluster's region.")
    var eksRegion: String?

    @Option(
        name: .long,
        help: "A GKE cluster, projects/PROJECT/locations/LOCATION/clusters/CLUSTER: its issuer is derived from it."
    )
    var gkeCluster: String?

    @Option(name: .long, help: "The workload's Kubernetes namespace.")
    var namespace: String?

    @Option(name: .long, help: "The workload's Kubernetes service account.")
    var serviceAccount: String?

    var isSet: Bool { issuer != nil || eksCluster != nil || gkeCluster != nil }

    /// The workload; a usage error naming a missing flag, or a `CommandFailure` for a name Kubernetes refuses.
    func workload() throws -> KubernetesWorkload {
        do throws(SetupFlagError) {
            return try KubernetesWorkload.fromFlags(
                issuer: issuer,
                eksCluster: eksCluster,
                eksRegion: eksRegion,
                gkeCluster: gkeCluster,
                namespace: namespace,
                serviceAccount: serviceAccount
            )
        } catch .usage(let message) {
            throw ValidationError(message)
        } catch .invalidValue(let message) {
            throw CommandFailure(message, .configurationInvalid)
        }
    }
}
