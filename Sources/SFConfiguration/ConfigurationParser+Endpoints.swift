import SFCore
import SFYAML

/// `targets[].outputs`: the local servers a target runs (container endpoint, metadata server).
extension ConfigurationParser {
    func readContainerEndpoint(
        _ node: YAMLNode,
        at path: String,
        _ r: ConfigurationReader
    ) -> AWSContainerEndpointOutputConfiguration? {
        let keys = ["listen", "authTokenFile", "authTokenFileMode", "allowNonLoopback", "allowedHosts"]
        guard let entries = r.mapping(node, at: path, allowed: keys) else { return nil }
        let allow = entries["allowNonLoopback"].flatMap { r.boolean($0, at: path + ".allowNonLoopback") } ?? false
        let listen = r.required(entries, "listen", at: path, parent: node)
            .flatMap { readListen($0, at: path + ".listen", allowNonLoopback: allow, r) }
        let file = r.required(entries, "authTokenFile", at: path, parent: node)
            .flatMap { r.string($0, at: path + ".authTokenFile") }
        var mode: UInt32? = AWSContainerEndpointOutputConfiguration.defaultMode
        if let node = entries["authTokenFileMode"] { mode = readMode(node, at: path + ".authTokenFileMode", r) }
        var hosts: [String]? = []
        if let node = entries["allowedHosts"] {
            hosts = readAllowedHosts(node, at: path + ".allowedHosts", allowNonLoopback: allow, r)
        }
        guard let listen, let file, let mode, let hosts else { return nil }
        return AWSContainerEndpointOutputConfiguration(
            listen: listen,
            authTokenFile: file,
            authTokenFileMode: mode,
            allowedHosts: hosts
        )
    }

    /// `allowedHosts`: further `Host` names a non-loopback container endpoint answers (names or IP
    /// literals, IPv6 in brackets, no port), lower-cased.
    func readAllowedHosts(
        _ node: YAMLNode,
        at path: String,
        allowNonLoopback: Bool,
        _ r: ConfigurationReader
    ) -> [String]? {
        guard allowNonLoopback else {
            r.fail(
                path,
                node,
                "allowedHosts applies only with allowNonLoopback: true; a loopback endpoint answers "
                    + "Host 127.0.0.1, localhost, [::1] and its listen host, and no other name"
            )
            return nil
        }
        guard case .sequence(let items) = node.value else {
            r.fail(path, node, "expected a list of host names, found \(node.shapeDescription)")
            return nil
        }
        var hosts: [String] = []
        for (index, item) in items.enumerated() {
            guard let name = r.string(item, at: "\(path)[\(index)]") else { return nil }
            let lower = name.lowercased()
            let plain =
                !lower.isEmpty
                && lower.allSatisfy { ($0.isASCII && ($0.isLetter || $0.isNumber)) || $0 == "." || $0 == "-" }
            let bracketed =
                lower.count > 2 && lower.hasPrefix("[") && lower.hasSuffix("]")
                && lower.dropFirst().dropLast().allSatisfy { $0.isHexDigit || $0 == ":" || $0 == "." }
            guard plain || bracketed else {
                r.fail(
                    "\(path)[\(index)]",
                    item,
                    "\"\(name)\" is not a host name (expected a name or IP address "
                        + "as clients write it in Host, IPv6 in brackets, without a port, e.g. skyferry.shop.svc or "
                        + "10.0.0.12)"
                )
                return nil
            }
            hosts.append(lower)
        }
        return hosts
    }

    func readMetadataServer(
        _ node: YAMLNode,
        at path: String,
        _ r: ConfigurationReader
    ) -> GCPMetadataServerOutputConfiguration? {
        let keys = ["listen", "projectId", "numericProjectId", "allowNonLoopback"]
        guard let entries = r.mapping(node, at: path, allowed: keys) else { return nil }
        if let flag = entries["allowNonLoopback"] {
            // Accepted as a key only to explain why it is refused.
            r.fail(
                path + ".allowNonLoopback",
                flag,
                "allowNonLoopback is not accepted for gcpMetadataServer: the "
                    + "metadata emulation hands this target's access and ID tokens to any client that sends "
                    + "Metadata-Flavor: Google, so on a non-loopback address it would serve them to the whole network; "
                    + "remove the key and listen on a loopback address (127.0.0.1 or [::1])"
            )
            return nil
        }
        guard let listenNode = r.required(entries, "listen", at: path, parent: node),
            let listen = readListen(listenNode, at: path + ".listen", r)
        else { return nil }
        var server = GCPMetadataServerOutputConfiguration(listen: listen)
        var ok = true
        if let node = entries["projectId"] {
            // Project ids: 6-30 lower-case letters, digits and hyphens, starting with a letter.
            if let id = r.string(node, at: path + ".projectId"), (6...30).contains(id.count),
                id.first!.isASCIILowercaseLetter,
                id.allSatisfy({ $0.isASCIILowercaseLetter || $0.isASCIIDigit || $0 == "-" })
            {
                server.projectId = id
            } else {
                r.fail(
                    path + ".projectId",
                    node,
                    "expected a GCP project id (6-30 lower-case letters, digits and "
                        + "'-', starting with a letter), found \(r.describe(node))"
                )
                ok = false
            }
        }
        if let node = entries["numericProjectId"] {
            if let number = r.string(node, at: path + ".numericProjectId"), number.allSatisfy(\.isASCIIDigit) {
                server.numericProjectId = number
            } else {
                r.fail(
                    path + ".numericProjectId",
                    node,
                    "expected a project number (digits only), found "
                        + "\(r.describe(node))"
                )
                ok = false
            }
        }
        return ok ? server : nil
    }
}
