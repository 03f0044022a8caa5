/// IAM member names for federated identities of a workload identity pool, derived from a provider's
/// audience (`//iam.googleapis.com/projects/NUMBER/locations/global/workloadIdentityPools/POOL/providers/PROVIDER`).
public enum GCPPrincipal {
    /// `//iam.googleapis.com/projects/NUMBER/locations/global/workloadIdentityPools/POOL` (an `https:` prefix dropped).
    public static func pool(ofAudience audience: String) -> String {
        var pool = audience
        if pool.hasPrefix("https:") { pool.removeFirst(6) }
        if let range = pool.firstRange(of: "/providers/") { pool = String(pool[..<range.lowerBound]) }
        return pool
    }

    /// `principal://…/workloadIdentityPools/POOL/subject/SUBJECT`: one federated identity (its `google.subject`).
    public static func subject(_ subject: String, audience: String) -> String {
        "principal:" + pool(ofAudience: audience) + "/subject/" + subject
    }

    /// `principalSet://…/workloadIdentityPools/POOL/attribute.NAME/VALUE`: every identity with that mapped attribute.
    public static func attribute(_ name: String, value: String, audience: String) -> String {
        "principalSet:" + pool(ofAudience: audience) + "/attribute.\(name)/" + value
    }

    /// The provider's audience from its parts.
    public static func audience(projectNumber: String, pool: String, provider: String) -> String {
        "//iam.googleapis.com/projects/\(projectNumber)/locations/global/workloadIdentityPools/\(pool)/providers"
            + "/\(provider)"
    }
}
