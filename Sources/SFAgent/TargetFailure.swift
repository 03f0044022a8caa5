import FoundationEssentials
import Logging
import SFCore

/// A failure of one target, naming the step and keeping the cause.
public struct TargetFailure: Error, Sendable, CustomStringConvertible, ClassifiedFailure {
    public enum Step: Sendable, Equatable, CustomStringConvertible {
        case source
        case exchange(provider: String, endpoint: String)
        case output(path: String)

        public var description: String {
            switch self {
            case .source: return "reading the identity token"
            case .exchange(let provider, _):
                switch provider {
                case "aws": return "exchanging the token at AWS STS"
                case "azure": return "exchanging the assertion at Entra ID"
                default: return "exchanging the identity at GCP (STS, then IAM Credentials)"
                }
            case .output(let path): return "writing \(path)"
            }
        }
    }

    public var target: String
    public var step: Step
    public var underlying: any Error

    public init(target: String, step: Step, underlying: any Error) {
        self.target = target
        self.step = step
        self.underlying = underlying
    }

    public var kind: FailureKind {
        if case .output = step { return .output }
        if case .source = step { return .source }
        return failureKind(of: underlying)
    }

    public var mayPassWithFreshToken: Bool {
        (underlying as? any ClassifiedFailure)?.mayPassWithFreshToken ?? false
    }

    public var description: String { "target \"\(target)\": \(step) failed: \(underlying)" }
}
