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
    /// Pod annotations for the injecting webhook (empty for VMs).
    public var annotations: [(key: String, value: String)]
    /// The projected service-account token volume the pod needs (YAML), when the source is a Kubernetes token.
    public var tokenVolume: String?
    public var notes: [String]

    public init(scenario: String, title: String, steps: [Step], configuration: String, labels: [(key: String, value: String)] = [],
                annotations: [(key: String, value: String)] = [],
                tokenVolume: String? = nil, notes: [String] = []) {
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
        lhs.scenario == rhs.scenario && lhs.title == rhs.title && lhs.steps == rhs.steps && lhs.configuration == rhs.configuration
            && lhs.labels.map(\.key) == rhs.labels.map(\.key) && lhs.labels.map(\.value) == rhs.labels.map(\.value)
            && lhs.annotations.map(\.key) == rhs.annotations.map(\.key) && lhs.annotations.map(\.value) == rhs.annotations.map(\.value)
            && lhs.tokenVolume == rhs.tokenVolume && lhs.notes == rhs.notes
    }

    /// The documents (policies) the plan writes, by file name.
    public var documents: [(name: String, content: String)] {
        steps.compactMap { if case .document(_, let name, let content, _) = $0 { return (name, content) } else { return nil } }
    }

    /// The commands, in order.
    public var commands: [String] {
        steps.compactMap { if case .command(_, let command) = $0 { return command } else { return nil } }
    }
}

/// Where a Kubernetes cluster's service-account tokens come from.
public enum ClusterIssuer: Sendable, Equatable {
    /// A known issuer URL (self-hosted clusters, or one looked up beforehand).
    case url(String)
    /// An EKS cluster: the issuer is looked up with `aws eks describe-cluster` into `$ISSUER_URL`.
    case eks(name: String, region: String)
    /// A GKE cluster, `projects/P/locations/L/clusters/C`: its issuer is derived from the name.
    case gke(resource: String)

    /// The issuer as it appears in commands and documents (a shell variable for EKS).
    public var issuerURL: String {
        switch self {
        case .url(let url): return url
        case .eks: return "${ISSUER_URL}"
        case .gke(let resource): return "https://container.googleapis.com/v1/\(resource)"
        }
    }

    /// `HOST/PATH`, as IAM names the OIDC provider and its condition keys.
    public var hostPath: String {
        if case .eks = self { return "${ISSUER_HOSTPATH}" }
        let url = issuerURL
        return url.hasPrefix("https://") ? String(url.dropFirst(8)) : url
    }

    /// The command that sets `ISSUER_URL` and `ISSUER_HOSTPATH`, when the issuer must be looked up.
    var lookup: SetupPlan.Step? {
        guard case .eks(let name, let region) = self else { return nil }
        return .command(
            comment: "Look up the EKS cluster's OIDC issuer.",
            command: "ISSUER_URL=$(aws eks describe-cluster --name \(Shell.quote(name)) --region \(Shell.quote(region)) --query cluster.identity.oidc.issuer --output text)\nISSUER_HOSTPATH=${ISSUER_URL#https://}")
    }
}

/// A Kubernetes service account whose projected token is the workload's identity.
public struct KubernetesWorkload: Sendable, Equatable {
    public var issuer: ClusterIssuer
    public var namespace: String
    public var serviceAccount: String

    public init(issuer: ClusterIssuer, namespace: String, serviceAccount: String) {
        self.issuer = issuer
        self.namespace = namespace
        self.serviceAccount = serviceAccount
    }

    /// `system:serviceaccount:NS:SA`, the token's `sub`.
    public var subject: String { "system:serviceaccount:\(namespace):\(serviceAccount)" }
}

/// Where the projected token is mounted in generated configurations and volumes.
public enum SetupDefaults {
    public static let tokenDirectory = "/var/run/secrets/skyferry"
    public static let tokenPath = "/var/run/secrets/skyferry/token"
    public static let tokenExpirationSeconds = 3600
}

/// Shell quoting for generated commands: every interpolated value stays one word and is never expanded.
enum Shell {
    /// Variables the generated script itself sets (`ISSUER_URL=$(aws eks describe-cluster …)`).
    static let scriptVariables: Set<Substring> = ["ISSUER_URL", "ISSUER_HOSTPATH", "SA_UNIQUE_ID"]

    /// The text bare when it holds only characters the shell takes literally, in double quotes when its
    /// only `$` are `${VAR}` of `scriptVariables` (so they expand, and CEL's single quotes read well),
    /// otherwise in POSIX single quotes with each `'` written as `'\''`.
    static func quote(_ text: String) -> String {
        let safe = text.unicodeScalars.allSatisfy { scalar in
            ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
                || "-_./:=@,+%".unicodeScalars.contains(scalar)
        }
        if safe && !text.isEmpty { return text }
        if onlyScriptVariables(text) && !text.contains(where: { "\"`\\!".contains($0) || $0.isNewline }) {
            return "\"\(text)\""
        }
        return singleQuoted(text)
    }

    /// POSIX single quotes: nothing inside is special; a `'` closes, is escaped, and reopens.
    static func singleQuoted(_ text: String) -> String {
        "'" + text.replacing("'", with: "'\\''") + "'"
    }

    /// True when every `$` starts `${NAME}` with NAME one of `scriptVariables`.
    static func onlyScriptVariables(_ text: String) -> Bool {
        var rest = Substring(text)
        while let dollar = rest.firstIndex(of: "$") {
            let after = rest[rest.index(after: dollar)...]
            guard after.hasPrefix("{"), let close = after.firstIndex(of: "}"),
                  scriptVariables.contains(after[after.index(after: after.startIndex)..<close])
            else { return false }
            rest = after[after.index(after: close)...]
        }
        return true
    }
}
