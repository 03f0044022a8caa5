import SFCore

/// How a command ends when it cannot do its job: `Skyferry.main` prints `skyferry: <message>` on stderr
/// and exits with `status`. Commands throw it; nothing below a command exits.
struct CommandFailure: Error, CustomStringConvertible {
    let message: String
    let status: CommandExitStatus

    init(_ message: String, _ status: CommandExitStatus) {
        self.message = message
        self.status = status
    }

    var description: String { message }
}
