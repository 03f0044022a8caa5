/// A workload identity (or workforce) pool provider's resource name, the `audience` of GCP targets and sources.
///
/// One check for every front end that accepts it: the agent's configuration and the webhook's pod annotations.
public enum WorkloadIdentityProvider {
    /// Why `audience` is not a provider's resource name, or nil when it is one.
    public static func problem(_ audience: String) -> String? {
        let expected =
            "expected //iam.googleapis.com/projects/PROJECT_NUMBER/locations/global/"
            + "workloadIdentityPools/POOL/providers/PROVIDER"
        var text = Substring(audience)
        if text.hasPrefix("https:") { text = text.dropFirst(6) }
        guard text.hasPrefix("//iam.googleapis.com/") else {
            return "\"\(audience)\" is not a workload identity provider name (\(expected))"
        }
        let parts = text.dropFirst("//iam.googleapis.com/".count)
            .split(separator: "/", omittingEmptySubsequences: false)
        if parts.count == 6, parts[0] == "locations", parts[2] == "workforcePools", parts[4] == "providers",
            !parts[3].isEmpty, !parts[5].isEmpty
        {
            return nil  // a workforce pool provider
        }
        guard parts.count == 8, parts[0] == "projects", parts[2] == "locations", parts[4] == "workloadIdentityPools",
            parts[6] == "providers", !parts[5].isEmpty, !parts[7].isEmpty
        else {
            return "\"\(audience)\" is not a workload identity provider name (\(expected))"
        }
        guard !parts[1].isEmpty, parts[1].allSatisfy(\.isASCIIDigit) else {
            return "\"\(audience)\" names the project \"\(parts[1])\"; GCP STS needs the project number, not its id "
                + "(gcloud projects describe \(parts[1]) --format='value(projectNumber)')"
        }
        return nil
    }
}
