import SFCore

/// The Azure part of a pod's mutation: which pods get it, the per-pod endpoint secret, the app's variables.
extension PodMutator {
    /// Completes `request.azure` with the webhook's cloud and, in sidecar mode, the pod's endpoint secret. For a
    /// pod labelled `azure.workload.identity/use: "true"` (azure-workload-identity's webhook selects these and
    /// injects the same variables) drops the Azure part instead and returns the warning that says so.
    func prepareAzure(_ request: inout InjectionRequest, labels: JSONValue?, containers: [JSONValue]) -> String? {
        guard var azure = request.azure else { return nil }
        if labels?[AzureInjection.workloadIdentityLabel]?.stringValue == "true" {
            request.azure = nil
            return "skyferry: the pod has the label \(AzureInjection.workloadIdentityLabel)=true, so "
                + "azure-workload-identity injects its Azure credentials; skyferry ignored "
                + "\(PodAnnotations.azureClientId) (remove the label or the annotation)"
        }
        azure.cloud = self.azure
        if request.mode == .sidecar {
            azure.secret = Self.earlierAzureSecret(containers) ?? Hex.lower(randomBytes(Self.secretBytes))
        }
        request.azure = azure
        return nil
    }

    /// The app containers' variables: the App Service contract in sidecar mode (never MSI_ENDPOINT,
    /// IMDS_ENDPOINT or IDENTITY_SERVER_THUMBPRINT, which make the SDKs pick another managed-identity source);
    /// the workload-identity variables in init-only mode, for the SDK to exchange the projected token itself.
    static func azureEnvironment(_ azure: AzureInjection, mode: InjectionMode) -> [(String, String)] {
        switch mode {
        case .sidecar:
            return [
                ("IDENTITY_ENDPOINT", InjectionLayout.azureIdentityEndpoint), ("IDENTITY_HEADER", azure.secret ?? ""),
            ]
        case .initOnly:
            return [
                ("AZURE_CLIENT_ID", azure.clientId), ("AZURE_TENANT_ID", azure.tenantId),
                ("AZURE_FEDERATED_TOKEN_FILE", InjectionLayout.azureTokenPath),
                ("AZURE_AUTHORITY_HOST", azure.cloud.authorityHostURL),
            ]
        }
    }

    /// The warning for a container that sets variables diverting Azure SDKs to another credential, or nil.
    static func azureConflict(_ container: String, _ existingEnv: Set<String>) -> String? {
        let conflicting = AzureInjection.conflictingVariables.filter(existingEnv.contains)
        guard !conflicting.isEmpty else { return nil }
        return "skyferry: container \(container) sets \(conflicting.joined(separator: ", ")), which makes Azure SDKs "
            + "choose another credential than skyferry's; remove " + (conflicting.count == 1 ? "it" : "them")
    }

    /// The endpoint secret an app container of this pod already carries: a literal `IDENTITY_HEADER` next to
    /// skyferry's `IDENTITY_ENDPOINT`, when the agent would accept it. A re-invoked or re-submitted pod keeps its
    /// secret, and the agent and the app (whose variables are never overwritten) agree on it.
    static func earlierAzureSecret(_ containers: [JSONValue]) -> String? {
        for container in containers {
            var values: [String: String] = [:]
            for entry in container["env"]?.arrayValue ?? [] {
                if let name = entry["name"]?.stringValue, let value = entry["value"]?.stringValue {
                    values[name] = value
                }
            }
            if values["IDENTITY_ENDPOINT"] == InjectionLayout.azureIdentityEndpoint,
                let secret = values["IDENTITY_HEADER"], AzureNames.secretProblem(secret) == nil
            {
                return secret
            }
        }
        return nil
    }
}
