/// One step of a diagnosis: what was checked, what was found and, for anything not passing, the fix.
///
/// Never carries a token or a credential: only claims, names, paths and times.
public struct DiagnosticStep: Sendable, Equatable {
    /// The area checked, kebab-case and stable for `--output json` (`source`, `token-expiry`, `exchange`…).
    public var check: String
    public var status: DiagnosticStatus
    /// What was found, one line.
    public var detail: String
    /// The likely cause of a failure or warning.
    public var cause: String?
    /// What to do about it: a sentence, a command or a policy document.
    public var fix: String?

    public init(check: String, status: DiagnosticStatus, detail: String, cause: String? = nil, fix: String? = nil) {
        self.check = check
        self.status = status
        self.detail = detail
        self.cause = cause
        self.fix = fix
    }

    public static func pass(_ check: String, _ detail: String) -> DiagnosticStep {
        DiagnosticStep(check: check, status: .pass, detail: detail)
    }
}
