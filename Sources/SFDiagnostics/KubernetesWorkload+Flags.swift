import SFCore

extension KubernetesWorkload {
    /// The workload `setup`'s cluster flags describe: exactly one of `--issuer`, `--eks-cluster` (with
    /// `--eks-region`) or `--gke-cluster`, with `--namespace` and `--service-account`.
    public static func fromFlags(
        issuer: String?,
        eksCluster: String?,
        eksRegion: String?,
        gkeCluster: String?,
        namespace: String?,
        serviceAccount: String?
    ) throws(SetupFlagError) -> KubernetesWorkload {
        let chosen = [issuer, eksCluster, gkeCluster].compactMap { $0 }
        guard chosen.count == 1 else { throw .usage("give exactly one of --issuer, --eks-cluster, --gke-cluster") }
        guard let namespace, let serviceAccount else {
            throw .usage("--namespace and --service-account are required with a cluster")
        }
        if let problem = KubernetesName.labelProblem(namespace) {
            throw .invalidValue(
                "--namespace \(JSONText.string(namespace)) \(problem), "
                    + "as Kubernetes requires of a namespace"
            )
        }
        if let problem = KubernetesName.subdomainProblem(serviceAccount) {
            throw .invalidValue(
                "--service-account \(JSONText.string(serviceAccount)) \(problem), "
                    + "as Kubernetes requires of a service account name"
            )
        }
        let clusterIssuer: ClusterIssuer
        if let issuer {
            guard issuer.hasPrefix("https://") else {
                throw .usage("--issuer \(issuer): an OIDC issuer is an https:// URL")
            }
            clusterIssuer = .url(issuer.hasSuffix("/") ? String(issuer.dropLast()) : issuer)
        } else if let eksCluster {
            guard let eksRegion else { throw .usage("--eks-cluster needs --eks-region") }
            clusterIssuer = .eks(name: eksCluster, region: eksRegion)
        } else {
            let resource = gkeCluster ?? ""
            let parts = resource.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count == 6, parts[0] == "projects", parts[2] == "locations", parts[4] == "clusters",
                !parts.contains(where: \.isEmpty)
            else {
                throw .usage("--gke-cluster \(resource): expected projects/PROJECT/locations/LOCATION/clusters/CLUSTER")
            }
            clusterIssuer = .gke(resource: resource)
        }
        return KubernetesWorkload(issuer: clusterIssuer, namespace: namespace, serviceAccount: serviceAccount)
    }

}
