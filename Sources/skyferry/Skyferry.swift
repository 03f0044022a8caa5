import ArgumentParser

/// The `skyferry` command: the only composition root (logger, clock, randomness, service group).
@main
struct Skyferry: AsyncParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "skyferry",
        abstract: "Keyless cross-cloud credentials: exchanges the workload's own identity for another cloud's credentials and keeps them fresh.",
        subcommands: [AgentCommand.self, CredentialProcessCommand.self, DoctorCommand.self, SetupCommand.self, ProbeCommand.self,
                      WebhookCommand.self, VersionCommand.self])
}

/// Options every command takes.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: "Lowest level logged: trace, debug, info, notice, warning, error, critical.")
    var logLevel: LogLevelArgument = .info

    @Option(name: .long, help: "Log line format on stderr: text or json (one object per line).")
    var logFormat: LogFormat = .text
}

struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "version", abstract: "Print the version.")

    func run() {
        print("skyferry \(Skyferry.version)")
    }
}
