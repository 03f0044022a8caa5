import SFCore

/// Where a Kubernetes cluster's service-account tokens come from.
public enum ClusterIssuer: Sendable, Equatable {
    /// A known issuer URL (self-hosted clusters, or one looked up beforehand).
    case url(String)
    /// An EKS cluster: the issuer is looked up with `aws eks describe-cluster` into `$ISSUER_URL`.
    case eks(name: String, region: String)
    /// A GKE cluster, `projects/P/locations/L/clusters/C`: its issuer is derived from the name.
    case gke(resource: String)

    /// The issuer as it appears in commands and documents (a shell variable for EKS).
    public var issuerURL: String {
        switch self {
        case .url(let url): return url
        case .eks: return "${ISSUER_URL}"
        case .gke(let resource): return "https://container.googleapis.com/v1/\(resource)"
        }
    }

    /// `HOST/PATH`, as IAM names the OIDC provider and its condition keys.
    public var hostPath: String {
        if case .eks = self { return "${ISSUER_HOSTPATH}" }
        let url = issuerURL
        return url.hasPrefix("https://") ? String(url.dropFirst(8)) : url
    }

    /// The command that sets `ISSUER_URL` and `ISSUER_HOSTPATH`, when the issuer must be looked up.
    var lookup: SetupPlan.Step? {
        guard case .eks(let name, let region) = self else { return nil }
        return .command(
            comment: "Look up the EKS cluster's OIDC issuer.",
            command:
                "ISSUER_URL=$(aws eks describe-cluster --name \(Shell.quote(name)) --region \(Shell.quote(region)) "
                + "--query cluster.identity.oidc.issuer --output text)\nISSUER_HOSTPATH=${ISSUER_URL#https://}"
        )
    }
}
