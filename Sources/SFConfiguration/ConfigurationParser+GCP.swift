import SFCore
import SFYAML

/// `targets[].gcp`: the workload identity provider and the optional impersonation.
extension ConfigurationParser {
    func readGCP(_ node: YAMLNode, at path: String, _ r: ConfigurationReader) -> GCPTargetConfiguration? {
        let keys = ["audience", "serviceAccount", "scopes", "lifetimeSeconds", "stsEndpoint", "iamEndpoint"]
        guard let entries = r.mapping(node, at: path, allowed: keys) else { return nil }
        var ok = true
        let audience = r.required(entries, "audience", at: path, parent: node)
            .flatMap { r.string($0, at: path + ".audience") }
        if let audience, let problem = Self.audienceProblem(audience) {
            r.fail(path + ".audience", entries["audience"], problem)
            ok = false
        }
        var gcp = GCPTargetConfiguration(audience: audience ?? "")
        if audience == nil { ok = false }
        if let node = entries["serviceAccount"] {
            if let account = r.string(node, at: path + ".serviceAccount"), Self.isServiceAccountEmail(account) {
                gcp.serviceAccount = account
            } else {
                r.fail(
                    path + ".serviceAccount",
                    node,
                    "expected a service account email such as "
                        + "reader@my-project.iam.gserviceaccount.com, found \(r.describe(node))"
                )
                ok = false
            }
        }
        if let node = entries["scopes"] {
            if case .sequence(let items) = node.value, !items.isEmpty {
                let scopes = items.enumerated().compactMap { r.string($0.element, at: "\(path).scopes[\($0.offset)]") }
                let known = { (scope: String) in scope.hasPrefix("https://") || scope == "openid" || scope == "email" }
                if scopes.count == items.count, scopes.allSatisfy(known) {
                    gcp.scopes = scopes
                } else {
                    r.fail(
                        path + ".scopes",
                        node,
                        "expected OAuth scope URLs such as "
                            + "https://www.googleapis.com/auth/cloud-platform"
                    )
                    ok = false
                }
            } else {
                r.fail(
                    path + ".scopes",
                    node,
                    "expected a non-empty list of OAuth scopes, found "
                        + "\(node.shapeDescription)"
                )
                ok = false
            }
        }
        if let node = entries["lifetimeSeconds"] {
            if let lifetime = r.integer(node, at: path + ".lifetimeSeconds", range: 600...43_200) {
                gcp.lifetimeSeconds = lifetime
                if gcp.serviceAccount == nil && entries["serviceAccount"] == nil {
                    r.fail(
                        path + ".lifetimeSeconds",
                        node,
                        "lifetimeSeconds applies to impersonated tokens only (STS "
                            + "tokens last 1 h); set serviceAccount or remove it"
                    )
                    ok = false
                }
            } else {
                ok = false
            }
        }
        if let node = entries["stsEndpoint"] {
            if let endpoint = readEndpoint(node, at: path + ".stsEndpoint", r) {
                gcp.stsEndpoint = endpoint
            } else {
                ok = false
            }
        }
        if let node = entries["iamEndpoint"] {
            if let endpoint = readEndpoint(node, at: path + ".iamEndpoint", r) {
                gcp.iamEndpoint = endpoint
            } else {
                ok = false
            }
        }
        return ok ? gcp : nil
    }

    /// Why a workload identity provider's resource name is wrong, or nil when it is right.
    static func audienceProblem(_ audience: String) -> String? {
        WorkloadIdentityProvider.problem(audience)
    }

    /// The one validator, `ServiceAccountEmail` (printable ASCII, no URL delimiters: the email goes into IAM
    /// Credentials URL paths verbatim).
    static func isServiceAccountEmail(_ text: String) -> Bool {
        ServiceAccountEmail.isValid(text)
    }
}
