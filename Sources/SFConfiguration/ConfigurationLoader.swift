#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import SFCore
import SFWebhook

/// Reads a configuration file and parses it: the one entry point of `skyferry agent`, `webhook`,
/// `credential-process` and `doctor`.
///
/// The only I/O of this target: a bounded read of one file. Messages name the path; an unreadable file keeps
/// its `errno`.
public enum ConfigurationLoader {
    /// The agent's configuration from the file at `path`.
    public static func agent(path: String) throws(ConfigurationError) -> AgentConfiguration {
        try ConfigurationParser().parse(try contents(of: path), origin: path)
    }

    /// The agent's configuration from text (`SKYFERRY_CONFIG_YAML`); `origin` names it in messages.
    public static func agent(text: String, origin: String) throws(ConfigurationError) -> AgentConfiguration {
        try ConfigurationParser().parse(text, origin: origin)
    }

    /// The webhook's configuration from the file at `path`.
    public static func webhook(path: String) throws(ConfigurationError) -> WebhookConfiguration {
        try WebhookConfigurationParser().parse(try contents(of: path), origin: path)
    }

    /// At most `ConfigurationParser.maxBytes + 1` bytes of the file: one byte past the cap lets the parser's
    /// single size check reject it without holding all of it.
    public static func contents(of path: String) throws(ConfigurationError) -> String {
        let limit = ConfigurationParser.maxBytes + 1
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .unreadable(path: path, errno: errno) }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 8192)
        while bytes.count < limit {
            let wanted = min(chunk.count, limit - bytes.count)
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, wanted) }
            if count < 0 {
                if errno == EINTR { continue }
                throw .unreadable(path: path, errno: errno)
            }
            if count == 0 { break }
            bytes.append(contentsOf: chunk[0..<count])
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
