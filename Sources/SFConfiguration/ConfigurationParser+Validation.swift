import SFCore

/// The parser's value checks, for other front ends that accept the same values (the webhook's pod
/// annotations use the same `SFCore` validators), so that a value is valid in an annotation exactly when it is
/// valid in the agent's file.
extension ConfigurationParser {
    /// Why `audience` is not a workload identity provider resource name, or nil when it is one.
    public static func workloadIdentityProviderProblem(_ audience: String) -> String? {
        WorkloadIdentityProvider.problem(audience)
    }

    /// True for a service account email (`name@project.iam.gserviceaccount.com`).
    public static func isServiceAccount(_ text: String) -> Bool {
        ServiceAccountEmail.isValid(text)
    }
}
