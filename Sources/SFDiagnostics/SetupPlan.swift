import SFCore

/// What `skyferry setup` prints: the commands and documents that create a least-privilege trust, in order,
/// then the matching Skyferry configuration and pod settings. Pure data; see `SetupPlan+Rendering`.
public struct SetupPlan: Sendable, Equatable {
    /// One thing to do: run a command, or write a document (a policy) that later commands read.
    public enum Step: Sendable, Equatable {
        case command(comment: String, command: String)
        /// `content` is JSON text; `expands` says whether it uses shell variables set by an earlier command.
        case document(comment: String, name: String, content: String, expands: Bool)
    }

    /// Which direction and identity this plan is for (`gke-to-aws`, `ec2-to-gcp`…), stable for automation.
    public var scenario: String
    public var title: String
    public var steps: [Step]
    /// The agent's configuration (YAML), to be read by `skyferry agent --config`.
    public var configuration: String
    /// Pod labels for the injecting webhook: its opt-in label (empty for VMs).
    public var labels: [(key: String, value: String)]
    /// The ServiceAccount's annotations for the injecting webhook (empty for VMs); pods keep only the label.
    public var annotations: [(key: String, value: String)]
    /// The projected service-account token volume the pod needs (YAML), when the source is a Kubernetes token.
    public var tokenVolume: String?
    public var notes: [String]

    public init(
        scenario: String,
        title: String,
        steps: [Step],
        configuration: String,
        labels: [(key: String, value: String)] = [],
        annotations: [(key: String, value: String)] = [],
        tokenVolume: String? = nil,
        notes: [String] = []
    ) {
        self.scenario = scenario
        self.title = title
        self.steps = steps
        self.configuration = configuration
        self.labels = labels
        self.annotations = annotations
        self.tokenVolume = tokenVolume
        self.notes = notes
    }

    public static func == (lhs: SetupPlan, rhs: SetupPlan) -> Bool {
        lhs.scenario == rhs.scenario && lhs.title == rhs.title && lhs.steps == rhs.steps
            && lhs.configuration == rhs.configuration
            && lhs.labels.map(\.key) == rhs.labels.map(\.key) && lhs.labels.map(\.value) == rhs.labels.map(\.value)
            && lhs.annotations.map(\.key) == rhs.annotations.map(\.key)
            && lhs.annotations.map(\.value) == rhs.annotations.map(\.value)
            && lhs.tokenVolume == rhs.tokenVolume && lhs.notes == rhs.notes
    }

    /// The documents (policies) the plan writes, by file name.
    public var documents: [(name: String, content: String)] {
        steps.compactMap {
            if case .document(_, let name, let content, _) = $0 { return (name, content) } else { return nil }
        }
    }

    /// The commands, in order.
    public var commands: [String] {
        steps.compactMap { if case .command(_, let command) = $0 { return command } else { return nil } }
    }
}
