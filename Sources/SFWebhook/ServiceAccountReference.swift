/// A ServiceAccount by namespace and name: the one a pod runs as.
public struct ServiceAccountReference: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The name Kubernetes gives a pod that names none (`spec.serviceAccountName` absent or empty).
    public static let defaultName = "default"

    public var namespace: String
    public var name: String

    public init(namespace: String, name: String) {
        self.namespace = namespace
        self.name = name
    }

    /// The pod's ServiceAccount: `spec.serviceAccountName`, else the deprecated `spec.serviceAccount`, else
    /// `default`, in the admission request's namespace (a pod being created may not carry one in its metadata).
    public init(pod: JSONValue, namespace: String) {
        let spec = pod["spec"]
        let named = [spec?["serviceAccountName"]?.stringValue, spec?["serviceAccount"]?.stringValue]
            .compactMap { $0 }.first { !$0.isEmpty }
        let podNamespace = pod["metadata"]?["namespace"]?.stringValue ?? ""
        self.init(namespace: namespace.isEmpty ? podNamespace : namespace, name: named ?? Self.defaultName)
    }

    /// `namespace/name`, as `kubectl` writes it.
    public var description: String { "\(namespace)/\(name)" }

    public static func < (lhs: Self, rhs: Self) -> Bool {
        (lhs.namespace, lhs.name) < (rhs.namespace, rhs.name)
    }
}
