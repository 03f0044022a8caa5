import ArgumentParser
import SFConsole
import SFCore

/// The `skyferry` command: the only composition root (logger, clock, randomness, service group).
@main
struct Skyferry: AsyncParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "skyferry",
        abstract:
            "Keyless cross-cloud credentials: exchanges the workload's own identity for another cloud's credentials "
            + "and keeps them fresh.",
        discussion: CommandExitStatus.helpText(CommandExitStatus.allCases),
        subcommands: [
            AgentCommand.self, CredentialProcessCommand.self, DoctorCommand.self, SetupCommand.self, ProbeCommand.self,
            WebhookCommand.self, VersionCommand.self,
        ]
    )

    /// As `AsyncParsableCommand.main`, plus the one place a command's failure becomes an exit status: one
    /// `skyferry: …` line on stderr, then the failure's `CommandExitStatus`. Anything else the argument parser
    /// reports (usage errors exit `CommandExitStatus.usage`).
    static func main() async {
        do {
            var command = try await asyncParseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let failure as CommandFailure {
            exit(failure)
        } catch let error as CompositionError {
            exit(CommandFailure(error.description, error.status))
        } catch {
            exit(withError: error)
        }
    }

    /// Reports the failure on stderr and ends the process with its status.
    static func exit(_ failure: CommandFailure) -> Never {
        StandardStream.write("skyferry: \(failure.message)\n", to: .standardError)
        exit(withError: ExitCode(failure.status.rawValue))
    }
}
