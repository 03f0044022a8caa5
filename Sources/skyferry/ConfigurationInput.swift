import FoundationEssentials
import Logging
import SFAgent
import SFConfiguration
import SFCore

/// Where the configuration comes from: a file, or (no `--config`) the `SKYFERRY_CONFIG_YAML` variable.
struct ConfigurationInput {
    static let environmentVariable = "SKYFERRY_CONFIG_YAML"
    var path: String?

    /// How messages name it.
    var origin: String { path ?? "$" + Self.environmentVariable }
}

/// Reads and validates the configuration; any problem ends the command with status 2 and the full message.
func loadConfiguration(_ input: ConfigurationInput, logger: Logger) throws(CommandFailure) -> AgentConfiguration {
    guard let path = input.path else {
        guard let inline = ProcessEnvironment.current()[ConfigurationInput.environmentVariable], !inline.isEmpty else {
            throw CommandFailure(
                "no configuration: pass --config FILE, or set \(ConfigurationInput.environmentVariable) to the YAML "
                    + "text",
                .configurationInvalid
            )
        }
        do {
            return try ConfigurationLoader.agent(text: inline, origin: input.origin)
        } catch {
            throw CommandFailure(error.description, .configurationInvalid)
        }
    }
    do {
        return try ConfigurationLoader.agent(path: path)
    } catch {
        throw CommandFailure(error.description, .configurationInvalid)
    }
}
