import SFCore
import SFYAML

/// `targets[].azure`: the Entra ID tenant, the client to act as, the cloud and the resources to fetch.
extension ConfigurationParser {
    func readAzure(_ node: YAMLNode, at path: String, _ r: ConfigurationReader) -> AzureTargetConfiguration? {
        let keys = ["tenantId", "clientId", "cloud", "authorityHost", "resources", "audience"]
        guard let entries = r.mapping(node, at: path, allowed: keys) else { return nil }
        var ok = true
        func check(_ key: String, _ problem: (String) -> String?) -> String? {
            guard let node = r.required(entries, key, at: path, parent: node),
                let text = r.string(node, at: path + "." + key)
            else {
                ok = false
                return nil
            }
            if let message = problem(text) {
                r.fail(path + "." + key, node, message)
                ok = false
                return nil
            }
            return text
        }
        let tenantId = check("tenantId", AzureNames.tenantIdProblem)
        let clientId = check("clientId", AzureNames.clientIdProblem)
        var azure = AzureTargetConfiguration(tenantId: tenantId ?? "", clientId: clientId ?? "")
        if let node = entries["cloud"] {
            let names = AzureCloud.allCases.map(\.rawValue)
            if let text = r.string(node, at: path + ".cloud") {
                if let cloud = AzureCloud(rawValue: text) {
                    azure.cloud = cloud
                } else {
                    r.fail(
                        path + ".cloud",
                        node,
                        "\"\(text)\" is not an Azure cloud (expected one of: \(names.joined(separator: ", ")); "
                            + "for another cloud set authorityHost and audience)"
                    )
                    ok = false
                }
            } else {
                ok = false
            }
        }
        if let node = entries["authorityHost"] {
            if let endpoint = readEndpoint(node, at: path + ".authorityHost", r) {
                azure.authorityHost = endpoint
            } else {
                ok = false
            }
        }
        if let node = entries["resources"] {
            if let resources = readAzureResources(node, at: path + ".resources", r) {
                azure.resources = resources
            } else {
                ok = false
            }
        }
        if let node = entries["audience"] {
            if let audience = r.string(node, at: path + ".audience") {
                if let problem = AzureNames.audienceProblem(audience) {
                    r.fail(path + ".audience", node, problem)
                    ok = false
                } else {
                    azure.audience = audience
                }
            } else {
                ok = false
            }
        }
        return ok ? azure : nil
    }

    /// A list (possibly empty) of distinct resources, at most `AzureNames.maximumResources`.
    func readAzureResources(_ node: YAMLNode, at path: String, _ r: ConfigurationReader) -> [String]? {
        guard case .sequence(let items) = node.value else {
            r.fail(
                path,
                node,
                "expected a list of application ID URIs such as [https://storage.azure.com], "
                    + "found \(node.shapeDescription)"
            )
            return nil
        }
        guard items.count <= AzureNames.maximumResources else {
            r.fail(
                path,
                node,
                "\(items.count) resources; at most \(AzureNames.maximumResources) are fetched at every refresh "
                    + "(the managed-identity endpoint fetches any other on its first request)"
            )
            return nil
        }
        var resources: [String] = []
        var seen: [String: Int] = [:]
        var ok = true
        for (index, item) in items.enumerated() {
            let at = "\(path)[\(index)]"
            guard let text = r.string(item, at: at) else {
                ok = false
                continue
            }
            if let problem = AzureNames.resourceProblem(text) {
                r.fail(at, item, problem)
                ok = false
                continue
            }
            let bare = AzureNames.bareResource(text)
            if let first = seen[bare] {
                r.fail(at, item, "\"\(text)\" is the same resource as \(path)[\(first)]")
                ok = false
                continue
            }
            seen[bare] = index
            resources.append(text)
        }
        return ok ? resources : nil
    }

    /// What an Azure target's outputs and source must agree on with its `azure` settings.
    func checkAzureTarget(
        _ azure: AzureTargetConfiguration,
        outputs: OutputsConfiguration,
        source: SourceConfiguration?,
        sourcePath: String,
        at path: String,
        entries: [String: YAMLNode],
        _ r: ConfigurationReader
    ) -> Bool {
        var ok = true
        if let output = outputs.azureAccessTokenFile {
            let key = path + ".outputs.azureAccessTokenFile"
            let bareResources = azure.bareResources
            if azure.resources.isEmpty {
                r.fail(
                    key,
                    entries["outputs"],
                    "azureAccessTokenFile writes a token fetched at every refresh, but \(path).azure.resources is "
                        + "empty; list the resource there (e.g. resources: "
                        + "[\"\(output.resource ?? "https://storage.azure.com")\"])"
                )
                ok = false
            } else if let resource = output.resource, !bareResources.contains(AzureNames.bareResource(resource)) {
                r.fail(
                    key + ".resource",
                    entries["outputs"],
                    "\"\(resource)\" is not in \(path).azure.resources "
                        + "(\(azure.resources.joined(separator: ", "))); add it there, since only those are fetched "
                        + "at every refresh"
                )
                ok = false
            }
        }
        if case .gcpMetadata(let metadata) = source, metadata.audience != azure.resolvedAudience {
            let which = azure.audience == nil ? "the default for cloud \(azure.cloud)" : "\(path).azure.audience"
            r.fail(
                sourcePath + ".gcpMetadata.audience",
                entries["azure"],
                "the gcpMetadata source requests Google ID tokens for \"\(metadata.audience)\", but target "
                    + "\(path) presents them to Entra ID as assertions for \"\(azure.resolvedAudience)\" (\(which)); "
                    + "set \(sourcePath).gcpMetadata.audience: \"\(azure.resolvedAudience)\" (with a target's own "
                    + "source if other targets need another audience), or set \(path).azure.audience to the "
                    + "federated identity credential's audience"
            )
            ok = false
        }
        return ok
    }
}
