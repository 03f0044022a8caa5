import SFCore
import SFYAML

/// `targets[].outputs` of Azure targets: the managed-identity endpoint and the access-token file.
extension ConfigurationParser {
    func readManagedIdentityEndpoint(
        _ node: YAMLNode,
        at path: String,
        _ r: ConfigurationReader
    ) -> AzureManagedIdentityEndpointOutputConfiguration? {
        let keys = ["listen", "secretFile", "secretFileMode", "secret", "imdsPath"]
        guard let entries = r.mapping(node, at: path, allowed: keys) else { return nil }
        var ok = true
        let listen = r.required(entries, "listen", at: path, parent: node)
            .flatMap { readListen($0, at: path + ".listen", r) }
        if listen == nil { ok = false }
        var secretFile: String?
        var secret: String?
        switch (entries["secretFile"], entries["secret"]) {
        case (nil, nil):
            r.fail(
                path,
                node,
                "one of secretFile (the agent makes a random secret at start and writes it there, for "
                    + "IDENTITY_HEADER) or secret (a secret given here) is required"
            )
            ok = false
        case (.some, .some):
            r.fail(path + ".secret", entries["secret"], "secret and secretFile exclude each other; set one")
            ok = false
        case (let fileNode?, nil):
            secretFile = r.string(fileNode, at: path + ".secretFile")
            if secretFile == nil { ok = false }
        case (nil, let secretNode?):
            // Never quoted back: a message names the problem, not the value.
            if let text = r.string(secretNode, at: path + ".secret") {
                if let problem = AzureNames.secretProblem(text) {
                    r.fail(path + ".secret", secretNode, problem)
                    ok = false
                } else {
                    secret = text
                }
            } else {
                ok = false
            }
        }
        var mode = AzureManagedIdentityEndpointOutputConfiguration.defaultMode
        if let modeNode = entries["secretFileMode"] {
            if entries["secretFile"] == nil {
                r.fail(path + ".secretFileMode", modeNode, "secretFileMode applies only with secretFile")
                ok = false
            } else if let value = readMode(modeNode, at: path + ".secretFileMode", r) {
                mode = value
            } else {
                ok = false
            }
        }
        var imdsPath = false
        if let flag = entries["imdsPath"] {
            let hint = "true also serves /metadata/identity/oauth2/token to any local process that sends Metadata: true"
            if let value = r.boolean(flag, at: path + ".imdsPath", hint: hint) { imdsPath = value } else { ok = false }
        }
        guard ok, let listen else { return nil }
        return AzureManagedIdentityEndpointOutputConfiguration(
            listen: listen,
            secretFile: secretFile,
            secretFileMode: mode,
            secret: secret,
            imdsPath: imdsPath
        )
    }

    func readAccessTokenFileOutput(
        _ node: YAMLNode,
        at path: String,
        _ r: ConfigurationReader
    ) -> AzureAccessTokenFileOutputConfiguration? {
        guard let entries = r.mapping(node, at: path, allowed: ["path", "resource", "mode"]) else { return nil }
        guard
            let filePath = r.required(entries, "path", at: path, parent: node)
                .flatMap({ r.string($0, at: path + ".path") })
        else { return nil }
        var output = AzureAccessTokenFileOutputConfiguration(path: filePath)
        if let node = entries["resource"] {
            guard let resource = r.string(node, at: path + ".resource") else { return nil }
            if let problem = AzureNames.resourceProblem(resource) {
                r.fail(path + ".resource", node, problem)
                return nil
            }
            output.resource = resource
        }
        if let node = entries["mode"] {
            guard let mode = readMode(node, at: path + ".mode", r) else { return nil }
            output.mode = mode
        }
        return output
    }
}
