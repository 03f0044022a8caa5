import SFCore
import SFYAML

/// `targets[].outputs`: the files a target writes.
extension ConfigurationParser {
    /// The order outputs are read (and their issues reported) in.
    static let outputReadOrder: [OutputKind] = [
        .awsCredentialsFile, .awsWebIdentityTokenFile, .gcpAccessTokenFile, .gcpExternalAccountFile,
        .awsContainerEndpoint, .gcpMetadataServer, .azureFederatedTokenFile, .azureAccessTokenFile,
        .azureManagedIdentityEndpoint,
    ]

    func readOutputs(
        _ node: YAMLNode,
        at path: String,
        provider: String?,
        source: SourceConfiguration?,
        _ r: ConfigurationReader
    ) -> OutputsConfiguration? {
        let keys = OutputKind.allCases.map(\.rawValue)
        guard let entries = r.mapping(node, at: path, allowed: keys) else { return nil }
        guard !entries.isEmpty else {
            r.fail(path, node, "at least one output is required (one of: \(keys.joined(separator: ", ")))")
            return nil
        }
        var ok = true
        for kind in OutputKind.allCases
        where entries[kind.rawValue] != nil && provider != nil && provider != kind.provider {
            r.fail(
                path + "." + kind.rawValue,
                entries[kind.rawValue],
                "output \(kind) hands over \(kind.provider) "
                    + "credentials, but this target's provider is \(provider ?? "")"
            )
            ok = false
        }
        var outputs = OutputsConfiguration()
        for kind in Self.outputReadOrder {
            guard let node = entries[kind.rawValue] else { continue }
            let at = path + "." + kind.rawValue
            let read: Bool
            switch kind {
            case .awsCredentialsFile:
                outputs.awsCredentialsFile = readCredentialsFile(node, at: at, r)
                read = outputs.awsCredentialsFile != nil
            case .awsWebIdentityTokenFile:
                outputs.awsWebIdentityTokenFile = readTokenFileOutput(node, at: at, r)
                read = outputs.awsWebIdentityTokenFile != nil
            case .awsContainerEndpoint:
                outputs.awsContainerEndpoint = readContainerEndpoint(node, at: at, r)
                read = outputs.awsContainerEndpoint != nil
            case .gcpAccessTokenFile:
                outputs.gcpAccessTokenFile = readTokenFileOutput(node, at: at, r)
                read = outputs.gcpAccessTokenFile != nil
            case .gcpExternalAccountFile:
                outputs.gcpExternalAccountFile = readExternalAccountOutput(node, at: at, source: source, r)
                read = outputs.gcpExternalAccountFile != nil
            case .gcpMetadataServer:
                outputs.gcpMetadataServer = readMetadataServer(node, at: at, r)
                read = outputs.gcpMetadataServer != nil
            case .azureManagedIdentityEndpoint:
                outputs.azureManagedIdentityEndpoint = readManagedIdentityEndpoint(node, at: at, r)
                read = outputs.azureManagedIdentityEndpoint != nil
            case .azureFederatedTokenFile:
                outputs.azureFederatedTokenFile = readTokenFileOutput(node, at: at, r)
                read = outputs.azureFederatedTokenFile != nil
            case .azureAccessTokenFile:
                outputs.azureAccessTokenFile = readAccessTokenFileOutput(node, at: at, r)
                read = outputs.azureAccessTokenFile != nil
            }
            if !read { ok = false }
        }
        return ok ? outputs : nil
    }

    func readCredentialsFile(
        _ node: YAMLNode,
        at path: String,
        _ r: ConfigurationReader
    ) -> AWSCredentialsFileOutputConfiguration? {
        guard let entries = r.mapping(node, at: path, allowed: ["path", "profile", "mode"]) else { return nil }
        let filePath = r.required(entries, "path", at: path, parent: node).flatMap { r.string($0, at: path + ".path") }
        var output = AWSCredentialsFileOutputConfiguration(path: filePath ?? "")
        var ok = filePath != nil
        if let node = entries["profile"] {
            if let profile = r.string(node, at: path + ".profile") {
                if profile.contains(where: { $0 == "[" || $0 == "]" || $0.isNewline || $0 == "#" || $0 == ";" })
                    || profile.trimmingASCIIWhitespace() != profile
                {
                    r.fail(
                        path + ".profile",
                        node,
                        "\"\(profile)\" is not a usable INI profile name (no brackets, "
                            + "'#', ';', line breaks or surrounding spaces)"
                    )
                    ok = false
                } else {
                    output.profile = profile
                }
            } else {
                ok = false
            }
        }
        if let node = entries["mode"] {
            if let mode = readMode(node, at: path + ".mode", r) { output.mode = mode } else { ok = false }
        }
        return ok ? output : nil
    }

    func readExternalAccountOutput(
        _ node: YAMLNode,
        at path: String,
        source: SourceConfiguration?,
        _ r: ConfigurationReader
    ) -> ExternalAccountFileOutputConfiguration? {
        let keys = ["path", "mode", "subjectTokenPath", "imdsListen"]
        guard let entries = r.mapping(node, at: path, allowed: keys) else { return nil }
        guard
            let filePath = r.required(entries, "path", at: path, parent: node)
                .flatMap({ r.string($0, at: path + ".path") })
        else { return nil }
        var output = ExternalAccountFileOutputConfiguration(path: filePath)
        if let node = entries["mode"] {
            guard let mode = readMode(node, at: path + ".mode", r) else { return nil }
            output.mode = mode
        }
        let subject = entries["subjectTokenPath"].flatMap { r.string($0, at: path + ".subjectTokenPath") }
        if let node = entries["imdsListen"] {
            guard case .aws = source else {
                r.fail(
                    path + ".imdsListen",
                    node,
                    "imdsListen serves an aws source's credentials; this target's "
                        + "source is \(source?.kind ?? "missing")"
                )
                return nil
            }
            if subject != nil {
                r.fail(
                    path + ".subjectTokenPath",
                    entries["subjectTokenPath"],
                    "with imdsListen Google's libraries "
                        + "sign their own subject tokens; remove subjectTokenPath"
                )
                return nil
            }
            guard let listen = readListen(node, at: path + ".imdsListen", r) else { return nil }
            output.imdsListen = listen
            return output
        }
        if case .tokenFile(let tokenPath) = source {
            if subject != nil {
                r.fail(
                    path + ".subjectTokenPath",
                    entries["subjectTokenPath"],
                    "with a tokenFile source the "
                        + "external_account file points at \(tokenPath) itself; remove subjectTokenPath"
                )
                return nil
            }
        } else {
            // The agent keeps a fresh subject token here (a JWT, or a signed GetCallerIdentity valid for 15 minutes).
            output.subjectTokenPath = subject ?? filePath + ".subject-token"
        }
        return output
    }

    func readTokenFileOutput(
        _ node: YAMLNode,
        at path: String,
        _ r: ConfigurationReader
    ) -> TokenFileOutputConfiguration? {
        guard let entries = r.mapping(node, at: path, allowed: ["path", "mode"]) else { return nil }
        guard
            let filePath = r.required(entries, "path", at: path, parent: node)
                .flatMap({ r.string($0, at: path + ".path") })
        else { return nil }
        var output = TokenFileOutputConfiguration(path: filePath)
        if let node = entries["mode"] {
            guard let mode = readMode(node, at: path + ".mode", r) else { return nil }
            output.mode = mode
        }
        return output
    }
}
