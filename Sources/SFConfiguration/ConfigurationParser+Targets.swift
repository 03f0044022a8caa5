import SFCore
import SFYAML

/// `targets`: names, the one provider key, the outputs.
extension ConfigurationParser {
    /// The targets that parsed (with their nodes, for later checks), and whether all did.
    func readTargets(
        _ node: YAMLNode,
        source: SourceConfiguration?,
        _ r: ConfigurationReader
    ) -> (targets: [ReadTarget], complete: Bool)? {
        guard case .sequence(let items) = node.value else {
            r.fail("targets", node, "expected a list of targets, found \(node.shapeDescription)")
            return nil
        }
        guard !items.isEmpty else {
            r.fail("targets", node, "at least one target is required")
            return nil
        }
        var targets: [ReadTarget] = []
        var seen: [String: Int] = [:]
        var complete = true
        for (index, item) in items.enumerated() {
            let path = "targets[\(index)]"
            guard let target = readTarget(item, at: path, source: source, r) else {
                complete = false
                continue
            }
            if let first = seen[target.name] {
                r.fail(
                    path + ".name",
                    item,
                    "duplicate target name \"\(target.name)\" (also targets[\(first)]); "
                        + "names must be unique"
                )
                complete = false
            }
            seen[target.name] = index
            targets.append((target, index, item))
        }
        return (targets, complete)
    }

    static let providerKinds = ["aws", "gcp", "azure"]

    func readTarget(
        _ node: YAMLNode,
        at path: String,
        source: SourceConfiguration?,
        _ r: ConfigurationReader
    ) -> TargetConfiguration? {
        let keys = ["name"] + Self.providerKinds + ["source", "outputs"]
        guard let entries = r.mapping(node, at: path, allowed: keys) else { return nil }
        var override: SourceConfiguration?
        var overrideOK = true
        if let sourceNode = entries["source"] {
            override = readSource(sourceNode, at: path + ".source", r)
            overrideOK = override != nil
        }
        let effectiveSource = override ?? source
        let name = r.required(entries, "name", at: path, parent: node).flatMap { r.string($0, at: path + ".name") }
        if let name, !Self.isValidTargetName(name) {
            r.fail(
                path + ".name",
                entries["name"],
                "\"\(name)\" is not a valid target name (expected 1-63 lower-case "
                    + "letters, digits and '-', starting and ending with a letter or digit)"
            )
        }
        let providers = Self.providerKinds.filter { entries[$0] != nil }
        var provider: ProviderConfiguration?
        if providers.count != 1 {
            r.fail(
                path,
                node,
                "exactly one provider key is required (one of: "
                    + "\(Self.providerKinds.joined(separator: ", "))), found "
                    + "\(providers.isEmpty ? "none" : providers.joined(separator: ", "))"
            )
        } else if let awsNode = entries["aws"] {
            provider = readAWS(awsNode, at: path + ".aws", r).map { .aws($0) }
            if case .aws = effectiveSource {
                r.fail(
                    path + ".aws",
                    awsNode,
                    "an aws source feeds GCP targets only (and Azure targets, through GetWebIdentityToken): "
                        + "AWS-to-AWS role chaining is not what Skyferry is for; use a tokenFile or gcpMetadata source"
                )
                provider = nil
            }
        } else if let gcpNode = entries["gcp"] {
            provider = readGCP(gcpNode, at: path + ".gcp", r).map { .gcp($0) }
        } else if let azureNode = entries["azure"] {
            provider = readAzure(azureNode, at: path + ".azure", r).map { .azure($0) }
        }
        // Optional: `credential-process` needs none; `agent` checks that every target has one.
        let outputs =
            entries["outputs"].map {
                readOutputs($0, at: path + ".outputs", provider: providers.first, source: effectiveSource, r)
            } ?? OutputsConfiguration()
        if case .azure(let azure) = provider, let outputs, overrideOK,
            !checkAzureTarget(
                azure,
                outputs: outputs,
                source: effectiveSource,
                sourcePath: override == nil ? "source" : path + ".source",
                at: path,
                entries: entries,
                r
            )
        {
            return nil
        }
        guard let name, Self.isValidTargetName(name), let provider, let outputs, overrideOK else { return nil }
        return TargetConfiguration(name: name, provider: provider, outputs: outputs, source: override)
    }

    /// DNS-label style: it appears in URLs, metric labels and file names.
    static func isValidTargetName(_ name: String) -> Bool {
        guard (1...63).contains(name.count), let first = name.first, let last = name.last else { return false }
        let allowed: (Character) -> Bool = { ($0.isASCIILowercaseLetter || $0.isASCIIDigit || $0 == "-") }
        return name.allSatisfy(allowed) && first != "-" && last != "-"
    }
}
