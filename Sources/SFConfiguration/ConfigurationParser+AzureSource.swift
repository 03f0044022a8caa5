import SFCore
import SFYAML

/// `source.azureManagedIdentity`: an Entra token from Azure IMDS or the App Service identity endpoint.
extension ConfigurationParser {
    static let azureManagedIdentityKeys = [
        "resource", "clientId", "objectId", "resourceId", "endpoint", "startupWaitSeconds",
    ]

    func readAzureManagedIdentity(
        _ node: YAMLNode,
        at path: String,
        _ r: ConfigurationReader
    ) -> AzureManagedIdentitySourceConfiguration? {
        guard let entries = r.mapping(node, at: path, allowed: Self.azureManagedIdentityKeys) else { return nil }
        let resource = r.required(entries, "resource", at: path, parent: node)
            .flatMap { r.string($0, at: path + ".resource") }
        var ok = resource != nil
        if let resource, resource.isEmpty || resource.contains(where: { $0.isWhitespace }) {
            r.fail(
                path + ".resource",
                entries["resource"],
                "\(JSONText.string(resource)) is not an application ID URI (expected e.g. api://skyferry-aws)"
            )
            ok = false
        }
        var source = AzureManagedIdentitySourceConfiguration(resource: resource ?? "")
        let chosen = ["clientId", "objectId", "resourceId"].filter { entries[$0] != nil }
        if chosen.count > 1 {
            r.fail(
                path,
                node,
                "at most one of clientId, objectId and resourceId picks the user-assigned identity, found "
                    + chosen.joined(separator: ", ")
            )
            ok = false
        }
        for key in ["clientId", "objectId"] {
            guard let node = entries[key] else { continue }
            guard let id = r.string(node, at: path + "." + key) else {
                ok = false
                continue
            }
            guard Self.isGUID(id) else {
                r.fail(
                    path + "." + key,
                    node,
                    "\(JSONText.string(id)) is not a GUID (expected e.g. 00000000-0000-0000-0000-000000000000)"
                )
                ok = false
                continue
            }
            if key == "clientId" { source.clientId = id } else { source.objectId = id }
        }
        if let node = entries["resourceId"] {
            if let id = r.string(node, at: path + ".resourceId") {
                if id.lowercased().hasPrefix("/subscriptions/"), !id.contains(where: { $0.isWhitespace }) {
                    source.resourceId = id
                } else {
                    r.fail(
                        path + ".resourceId",
                        node,
                        "\(JSONText.string(id)) is not an ARM resource id (expected /subscriptions/SUB/resourceGroups/"
                            + "RG/providers/Microsoft.ManagedIdentity/userAssignedIdentities/NAME)"
                    )
                    ok = false
                }
            } else {
                ok = false
            }
        }
        if let node = entries["endpoint"] {
            if let endpoint = readEndpoint(node, at: path + ".endpoint", allowMetadataHosts: true, r) {
                source.endpoint = endpoint
            } else {
                ok = false
            }
        }
        if let node = entries["startupWaitSeconds"] {
            if let seconds = r.integer(node, at: path + ".startupWaitSeconds", range: 0...600) {
                source.startupWaitSeconds = seconds
            } else {
                ok = false
            }
        }
        return ok ? source : nil
    }

    /// `8-4-4-4-12` hexadecimal digits, as Entra writes object and client ids.
    static func isGUID(_ text: String) -> Bool {
        let groups = text.split(separator: "-", omittingEmptySubsequences: false)
        return groups.map(\.count) == [8, 4, 4, 4, 12] && groups.allSatisfy { $0.allSatisfy(\.isHexDigit) }
    }
}

/// `source.azureWorkloadIdentity`: the federated token file exchanged at Entra ID for a token to `resource`.
extension ConfigurationParser {
    static let azureWorkloadIdentityKeys = ["tokenFile", "tenantId", "clientId", "resource", "authorityHost"]

    func readAzureWorkloadIdentity(
        _ node: YAMLNode,
        at path: String,
        _ r: ConfigurationReader
    ) -> AzureWorkloadIdentitySourceConfiguration? {
        guard let entries = r.mapping(node, at: path, allowed: Self.azureWorkloadIdentityKeys) else { return nil }
        var ok = true
        func check(_ key: String, _ problem: (String) -> String?) -> String? {
            guard let value = r.required(entries, key, at: path, parent: node),
                let text = r.string(value, at: path + "." + key)
            else {
                ok = false
                return nil
            }
            if let message = problem(text) {
                r.fail(path + "." + key, value, message)
                ok = false
                return nil
            }
            return text
        }
        let tokenFile = check("tokenFile") { _ in nil }
        let tenantId = check("tenantId", AzureNames.tenantIdProblem)
        let clientId = check("clientId", AzureNames.clientIdProblem)
        let resource = check("resource", AzureNames.resourceProblem)
        var source = AzureWorkloadIdentitySourceConfiguration(
            tokenFile: tokenFile ?? "",
            tenantId: tenantId ?? "",
            clientId: clientId ?? "",
            resource: resource ?? ""
        )
        if let value = entries["authorityHost"] {
            if let endpoint = readEndpoint(value, at: path + ".authorityHost", r) {
                source.authorityHost = endpoint
            } else {
                ok = false
            }
        }
        return ok ? source : nil
    }
}
