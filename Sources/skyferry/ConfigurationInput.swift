import FoundationEssentials
import Logging
import SFAgent
import SFCore
#if canImport(Glibc)
import Glibc
#endif

/// Where the configuration comes from: a file, or (no `--config`) the `SKYFERRY_CONFIG_YAML` variable.
struct ConfigurationInput {
    static let environmentVariable = "SKYFERRY_CONFIG_YAML"
    var path: String?

    /// How messages name it.
    var origin: String { path ?? "$" + Self.environmentVariable }
}

/// Reads and validates the configuration; exits 2 with the full message on any problem.
func loadConfiguration(_ input: ConfigurationInput, logger: Logger) throws -> AgentConfiguration {
    let text: String
    if let path = input.path {
        do {
            // Bounded: one byte past the cap lets the parser's single size check reject it.
            let bytes = try TokenFileSource.readPrefix(path, maxBytes: ConfigurationParser.maxBytes + 1)
            text = String(decoding: bytes, as: UTF8.self)
        } catch {
            Composition.fail(ConfigurationError.unreadable(path: path, reason: String(cString: strerror(error.errnoValue))).description, code: 2)
        }
    } else if let inline = ProcessEnvironment.current()[ConfigurationInput.environmentVariable], !inline.isEmpty {
        text = inline
    } else {
        Composition.fail("no configuration: pass --config FILE, or set \(ConfigurationInput.environmentVariable) to the YAML text", code: 2)
    }
    do {
        return try ConfigurationParser().parse(text, origin: input.origin)
    } catch {
        Composition.fail(error.description, code: 2)
    }
}

extension TokenFileError {
    var errnoValue: Int32 {
        switch self {
        case .unreadable(_, let code): return code
        case .tooLarge: return EFBIG
        }
    }
}
