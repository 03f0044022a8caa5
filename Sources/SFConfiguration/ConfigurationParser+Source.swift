import SFCore
import SFYAML

/// `source` (and a target's own `source`): where the agent gets its identity.
extension ConfigurationParser {
    static let sourceKinds = ["tokenFile", "gcpMetadata", "aws", "azureManagedIdentity", "azureWorkloadIdentity"]

    func readSource(_ node: YAMLNode, at path: String = "source", _ r: ConfigurationReader) -> SourceConfiguration? {
        guard let entries = r.mapping(node, at: path, allowed: Self.sourceKinds) else { return nil }
        guard entries.count == 1, let (kind, value) = entries.first else {
            r.fail(
                path,
                node,
                "exactly one identity source is required (one of: "
                    + "\(Self.sourceKinds.joined(separator: ", "))), found \(entries.count)"
            )
            return nil
        }
        switch kind {
        case "tokenFile":
            return r.string(value, at: path + ".tokenFile").map { .tokenFile(path: $0) }
        case "gcpMetadata":
            return readGCPMetadata(value, at: path + ".gcpMetadata", r).map { .gcpMetadata($0) }
        case "aws":
            guard let entries = r.mapping(value, at: path + ".aws", allowed: ["region"]) else { return nil }
            var aws = AWSSourceConfiguration()
            if let node = entries["region"] {
                guard let region = r.string(node, at: path + ".aws.region") else { return nil }
                guard AWSPartition.isValidRegion(region) else {
                    r.fail(
                        path + ".aws.region",
                        node,
                        "\"\(region)\" is not an AWS region name (expected e.g. "
                            + "us-east-1, eu-west-2, cn-north-1)"
                    )
                    return nil
                }
                aws.region = region
            }
            return .aws(aws)
        case "azureManagedIdentity":
            return readAzureManagedIdentity(value, at: path + ".azureManagedIdentity", r).map {
                .azureManagedIdentity($0)
            }
        case "azureWorkloadIdentity":
            return readAzureWorkloadIdentity(value, at: path + ".azureWorkloadIdentity", r).map {
                .azureWorkloadIdentity($0)
            }
        default:
            return nil
        }
    }

    func readGCPMetadata(
        _ node: YAMLNode,
        at path: String,
        _ r: ConfigurationReader
    ) -> GCPMetadataSourceConfiguration? {
        let keys = ["audience", "endpoint", "serviceAccount", "startupWaitSeconds"]
        guard let entries = r.mapping(node, at: path, allowed: keys) else { return nil }
        let audience = r.required(entries, "audience", at: path, parent: node)
            .flatMap { r.string($0, at: path + ".audience") }
        var source = GCPMetadataSourceConfiguration(audience: audience ?? "")
        var ok = audience != nil
        if let node = entries["endpoint"] {
            if let endpoint = readEndpoint(node, at: path + ".endpoint", allowMetadataHosts: true, r) {
                source.endpoint = endpoint
            } else {
                ok = false
            }
        }
        if let node = entries["serviceAccount"] {
            if let account = r.string(node, at: path + ".serviceAccount") {
                if account == "default" || ServiceAccountEmail.isValid(account) {
                    source.serviceAccount = account
                } else {
                    r.fail(
                        path + ".serviceAccount",
                        node,
                        "\(JSONText.string(account)) is not a service account "
                            + "(expected default or an email such as sa@project.iam.gserviceaccount.com)"
                    )
                    ok = false
                }
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
}
