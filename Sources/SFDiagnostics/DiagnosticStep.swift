/// The outcome of one check.
public enum DiagnosticStatus: String, Sendable, Equatable {
    case pass, warn, fail, skip

    /// The mark `skyferry doctor` prints in front of the step.
    public var mark: String {
        switch self {
        case .pass: return "✓"
        case .warn: return "!"
        case .fail: return "✗"
        case .skip: return "-"
        }
    }
}

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

/// Every step for one target, in the order they ran.
public struct TargetDiagnosis: Sendable, Equatable {
    public var target: String
    public var provider: String
    public var steps: [DiagnosticStep]

    public init(target: String, provider: String, steps: [DiagnosticStep]) {
        self.target = target
        self.provider = provider
        self.steps = steps
    }

    public var passed: Bool { !steps.contains { $0.status == .fail } }
}

/// What `skyferry doctor` found: per-target steps plus the agent-wide ones (listen addresses).
public struct DoctorReport: Sendable, Equatable {
    public var targets: [TargetDiagnosis]
    /// Checks that belong to no single target (the health listen address).
    public var agent: [DiagnosticStep]

    public init(targets: [TargetDiagnosis], agent: [DiagnosticStep] = []) {
        self.targets = targets
        self.agent = agent
    }

    /// True when no step failed (warnings do not fail the doctor).
    public var passed: Bool { targets.allSatisfy(\.passed) && !agent.contains { $0.status == .fail } }
}
