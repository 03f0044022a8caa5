import ArgumentParser
import Logging
import SFConsole

/// Options every command takes.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: "Lowest level logged: trace, debug, info, notice, warning, error, critical.")
    var logLevel: LogLevelArgument = .info

    @Option(name: .long, help: "Log line format on stderr: text or json (one object per line).")
    var logFormat: LogFormat = .text
}

/// Bootstraps logging (once per process) and makes the process's logger.
func makeLogger(_ options: GlobalOptions) -> Logger {
    let level = options.logLevel.level
    let format = options.logFormat
    LoggingSystem.bootstrap { label in StderrLogHandler(label: label, level: level, format: format) }
    return Logger(label: "skyferry")
}
