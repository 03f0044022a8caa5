/// Every status the `skyferry` process exits with: the one list the commands' help texts are generated from
/// and the exit-code table in `docs/configuration.md` is checked against (`CommandExitStatusTests`).
///
/// The numbers are part of the command-line contract (init containers, Jobs and scripts branch on them), so a
/// case's value never changes; a new failure gets a new case.
public enum CommandExitStatus: Int32, CaseIterable, Sendable, CustomStringConvertible {
    /// Done: every target succeeded, every check passed, or stopped by SIGTERM/SIGINT.
    case success = 0
    /// A `doctor` check failed, the `probe` URL did not answer 200, or an unexpected error.
    case failure = 1
    /// The configuration, or a value given on the command line, is invalid (the message names it).
    case configurationInvalid = 2
    /// The identity source failed: token missing, empty, malformed or expired.
    case sourceFailed = 3
    /// The STS rejected the exchange (`AccessDenied`, `InvalidIdentityToken`, …).
    case exchangeRejected = 4
    /// The STS was unavailable after retries (5xx, throttling, timeout, unparseable answer).
    case stsUnavailable = 5
    /// An output could not be written.
    case outputFailed = 6
    /// The webhook's TLS certificate or key could not be loaded at start-up.
    case certificateUnavailable = 7
    /// The command line could not be parsed (an unknown flag, a missing or contradictory option).
    case usage = 64

    /// The status a failed exchange or write ends `agent --once` and `credential-process` with.
    public init(_ kind: FailureKind) {
        switch kind {
        case .source: self = .sourceFailed
        case .rejected: self = .exchangeRejected
        case .unavailable: self = .stsUnavailable
        case .output: self = .outputFailed
        }
    }

    /// What the status means, one phrase, as the help text and the documentation's table say it.
    public var meaning: String {
        switch self {
        case .success: return "success"
        case .failure: return "a check failed (doctor), the URL did not answer HTTP 200 (probe), or an unexpected error"
        case .configurationInvalid: return "configuration or command-line value invalid (the message names the key)"
        case .sourceFailed: return "identity source failed (token missing, empty, malformed, expired)"
        case .exchangeRejected: return "the STS rejected the exchange (AccessDenied, InvalidIdentityToken, …)"
        case .stsUnavailable:
            return "the STS was unavailable after retries (5xx, throttling, timeout, unparseable answer)"
        case .outputFailed: return "an output could not be written"
        case .certificateUnavailable: return "the TLS certificate or key could not be loaded at start-up (webhook)"
        case .usage: return "command-line usage error (unknown flag, missing or contradictory option)"
        }
    }

    public var description: String { "\(rawValue) \(meaning)" }

    /// The `Exit codes:` paragraph of a command's help: each status the command can end with, with its meaning.
    public static func helpText(_ statuses: [CommandExitStatus]) -> String {
        "Exit codes: " + statuses.map(\.description).joined(separator: "; ") + "."
    }
}
