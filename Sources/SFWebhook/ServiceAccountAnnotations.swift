/// Identity on the ServiceAccount: which `skyferry.dev/*` annotations a ServiceAccount may carry, and how they
/// combine with the pod's.
///
/// The ServiceAccount names the cloud identity (as IRSA's `eks.amazonaws.com/role-arn` does); the pod may
/// override any of those keys, one by one, and alone carries the per-pod settings (`mode`, `skip-containers`).
/// The `skyferry.dev/inject: "true"` pod label stays the opt-in.
public enum ServiceAccountAnnotations {
    /// The keys read from a ServiceAccount; every other `skyferry.dev/*` key there is ignored with a warning.
    public static let identityKeys = [
        PodAnnotations.awsRoleArn, PodAnnotations.awsRegion, PodAnnotations.gcpAudience,
        PodAnnotations.gcpServiceAccount, PodAnnotations.azureClientId, PodAnnotations.azureTenantId,
        PodAnnotations.tokenAudience, PodAnnotations.tokenExpiration,
    ]

    /// The annotations a pod is injected from, and where each came from.
    public struct Resolution: Sendable, Equatable {
        public var annotations: [String: String]
        /// Keys whose value came from the ServiceAccount (not overridden by the pod).
        public var fromServiceAccount: Set<String>
        public var warnings: [String]
    }

    /// The ServiceAccount's identity keys, then the pod's annotations over them, key by key.
    public static func merge(
        pod: [String: String],
        serviceAccount: [String: String],
        reference: ServiceAccountReference
    ) -> Resolution {
        var merged = pod
        var inherited: Set<String> = []
        var warnings: [String] = []
        for key in serviceAccount.keys.sorted() where key.hasPrefix("skyferry.dev/") {
            guard identityKeys.contains(key) else {
                warnings.append(
                    "skyferry: ServiceAccount \(reference) has the annotation \(key), which is read from pods only; "
                        + "it was ignored (expected on a ServiceAccount: \(identityKeys.joined(separator: ", ")))"
                )
                continue
            }
            if merged[key] == nil {
                merged[key] = serviceAccount[key]
                inherited.insert(key)
            }
        }
        return Resolution(annotations: merged, fromServiceAccount: inherited, warnings: warnings)
    }

    /// The validation error, each problem about a key the ServiceAccount supplied saying so.
    ///
    /// Problems start with the annotation they are about (`skyferry.dev/aws-region: ...` or
    /// `skyferry.dev/aws-region is set but ...`), which is how the ServiceAccount's are found.
    public static func attribute(
        _ error: AnnotationError,
        fromServiceAccount keys: Set<String>,
        reference: ServiceAccountReference
    ) -> AnnotationError {
        guard !keys.isEmpty else { return error }
        let problems = error.problems.map { problem in
            let named = keys.contains { problem.hasPrefix($0 + ":") || problem.hasPrefix($0 + " ") }
            return named ? "ServiceAccount \(reference) annotation " + problem : problem
        }
        return AnnotationError(problems: problems)
    }

    /// The annotations to inject from, or why the pod is denied, given what is known of its ServiceAccount
    /// (nil: ServiceAccounts are not read, the pod's annotations alone count, as before).
    ///
    /// When the ServiceAccount cannot be read, a pod whose own annotations are complete and valid is injected
    /// from them alone (with a warning); any other pod is denied, never injected half-configured.
    public static func resolve(
        pod: [String: String],
        lookup: ServiceAccountLookup?
    ) -> Result<Resolution, AnnotationError> {
        switch lookup {
        case nil, .notFound:
            return .success(Resolution(annotations: pod, fromServiceAccount: [], warnings: []))
        case .found(let reference, let annotations):
            return .success(merge(pod: pod, serviceAccount: annotations, reference: reference))
        case .unavailable(let reference, let reason):
            switch PodAnnotations.parse(pod) {
            case .success:
                let warning =
                    "skyferry: ServiceAccount \(reference) could not be read (\(reason)); injected from the pod's own "
                    + "annotations only"
                return .success(Resolution(annotations: pod, fromServiceAccount: [], warnings: [warning]))
            case .failure(let error):
                return .failure(
                    AnnotationError(
                        problems: [
                            "ServiceAccount \(reference) could not be read (\(reason)) and the pod's own "
                                + "annotations are not complete by themselves, so the pod is not injected "
                                + "half-configured (retry once the API server is reachable, or set the identity "
                                + "annotations on the pod)"
                        ] + error.problems
                    )
                )
            }
        }
    }
}
