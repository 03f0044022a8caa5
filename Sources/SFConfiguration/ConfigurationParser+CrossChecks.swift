import SFCore
import SFYAML

/// Checks across targets, once each target has been read.
extension ConfigurationParser {
    /// Two outputs writing one path would overwrite each other on every refresh.
    func checkOutputPaths(_ targets: [ReadTarget], _ r: ConfigurationReader) {
        var seen: [String: String] = [:]
        for (target, index, node) in targets {
            for file in target.outputs.filePaths {
                let key = "targets[\(index)].outputs.\(file.key)"
                // Targets served by one container endpoint share its token file.
                if file.kind == .awsContainerEndpoint, let other = seen[file.path], other.hasSuffix(file.key) {
                    continue
                }
                if let other = seen[file.path] {
                    r.fail(key, node, "\(file.path) is also written by \(other); each output needs its own file")
                }
                seen[file.path] = key
            }
        }
    }

    /// Every local server needs its own address, except AWS container endpoints, which serve several
    /// targets on one address (one path each) when they share the authorization token file.
    func checkListenAddresses(
        _ targets: [ReadTarget],
        health: HealthConfiguration?,
        healthNode: YAMLNode?,
        _ r: ConfigurationReader
    ) {
        var seen: [String: (key: String, tokenFile: String?)] = [:]
        if let health { seen[health.listen.description] = ("health.listen", nil) }
        for (target, index, node) in targets {
            for (key, address, tokenFile) in target.outputs.listenAddresses {
                let key = "targets[\(index)].outputs.\(key)"
                if let other = seen[address.description] {
                    if let tokenFile, other.tokenFile == tokenFile { continue }
                    let why =
                        tokenFile != nil && other.tokenFile != nil
                        ? "container endpoints on one address must share authTokenFile"
                        : "each server needs its own address"
                    r.fail(key, node, "\(address) is also used by \(other.key); \(why)")
                }
                seen[address.description] = (key, tokenFile)
            }
        }
    }
}
