import SFCore
import SFDiagnostics

/// Checks of `setup` inputs that fail with `configurationInvalid`, the input quoted and the rule it breaks.
enum SetupInput {
    /// The input as a JSON string: quoted, with control characters escaped.
    static func quoted(_ text: String) -> String { JSONText.string(text) }

    static func checkServiceAccountEmail(_ email: String, flag: String) throws(CommandFailure) {
        if let problem = ServiceAccountEmail.problem(email) {
            throw CommandFailure(
                "\(flag) \(quoted(email)) is not a service account email: \(problem)",
                .configurationInvalid
            )
        }
    }

    /// Fails with `configurationInvalid` unless `isValid(value)`, saying what was expected.
    static func check(
        _ value: String,
        flag: String,
        _ isValid: (String) -> Bool,
        expected: String
    ) throws(CommandFailure) {
        guard !isValid(value) else { return }
        throw CommandFailure("\(flag) \(quoted(value)) is not valid (expected \(expected))", .configurationInvalid)
    }

    /// Runs a `validate()`'s checks. The argument parser wraps what `validate()` throws (usage errors
    /// exit `usage`), so a `CommandFailure` among them is reported and ends the process here.
    static func validating(_ checks: () throws -> Void) throws {
        do {
            try checks()
        } catch let failure as CommandFailure {
            Skyferry.exit(failure)
        }
    }
}
