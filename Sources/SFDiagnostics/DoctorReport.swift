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
