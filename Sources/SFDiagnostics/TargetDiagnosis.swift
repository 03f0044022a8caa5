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
