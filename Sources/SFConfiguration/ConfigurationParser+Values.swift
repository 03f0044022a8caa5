import SFCore
import SFYAML

/// Values several sections share: endpoints, listen addresses, file modes.
extension ConfigurationParser {
    func readEndpoint(
        _ node: YAMLNode,
        at path: String,
        allowMetadataHosts: Bool = false,
        _ r: ConfigurationReader
    ) -> Endpoint? {
        guard let text = r.string(node, at: path) else { return nil }
        do {
            return try Endpoint(parsing: text, allowMetadataHosts: allowMetadataHosts)
        } catch {
            r.fail(path, node, error.description)
            return nil
        }
    }

    /// Local servers bind loopback unless `allowNonLoopback` (the key's documentation says when that is sensible).
    func readListen(
        _ node: YAMLNode,
        at path: String,
        allowNonLoopback: Bool = false,
        _ r: ConfigurationReader
    ) -> ListenAddress? {
        guard let text = r.string(node, at: path) else { return nil }
        guard let address = ListenAddress(text) else {
            r.fail(
                path,
                node,
                "\"\(text)\" is not a listen address (expected HOST:PORT, e.g. 127.0.0.1:8686 or "
                    + "[::1]:8686)"
            )
            return nil
        }
        if !allowNonLoopback && !address.isLoopback {
            r.fail(
                path,
                node,
                "\(text) is not a loopback address; this server hands out credentials or their state "
                    + "and must listen on 127.0.0.1, ::1 or localhost"
            )
            return nil
        }
        return address
    }

    /// File modes are octal, written `"0600"` or `0640` (a plain `0640` is read as octal too, as in YAML 1.1).
    func readMode(_ node: YAMLNode, at path: String, _ r: ConfigurationReader) -> UInt32? {
        guard case .scalar(let text, _) = node.value, (3...4).contains(text.count),
            let mode = UInt32(text, radix: 8)
        else {
            r.fail(path, node, "expected an octal file mode such as \"0600\" or \"0640\", found \(r.describe(node))")
            return nil
        }
        if mode & 0o007 != 0 {
            r.fail(
                path,
                node,
                "mode \(text) gives other users access to credentials; allow at most the owner and the "
                    + "group (e.g. \"0600\", \"0640\")"
            )
            return nil
        }
        if mode & 0o020 != 0 || mode & ~0o777 != 0 {
            r.fail(path, node, "mode \(text) is not allowed (no group write, no special bits; e.g. \"0600\", \"0640\")")
            return nil
        }
        if mode & 0o400 == 0 {
            r.fail(path, node, "mode \(text) does not let the owner read the file")
            return nil
        }
        return mode
    }
}
