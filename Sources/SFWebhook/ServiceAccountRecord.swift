/// One ServiceAccount as the cache keeps it: its `skyferry.dev/*` annotations only, so that 10,000 of them stay
/// small.
public struct ServiceAccountRecord: Sendable, Equatable {
    public var reference: ServiceAccountReference
    public var annotations: [String: String]
    public var resourceVersion: String

    public init(reference: ServiceAccountReference, annotations: [String: String], resourceVersion: String) {
        self.reference = reference
        self.annotations = annotations
        self.resourceVersion = resourceVersion
    }

    /// Decodes a `ServiceAccount` object (from a list, a watch event or a `GET`); `at` names it in errors.
    public init(decoding object: JSONValue, at path: String) throws(KubernetesDecodingError) {
        guard case .object = object, let metadata = object["metadata"], case .object = metadata else {
            throw .field(path + ".metadata", "expected an object")
        }
        guard let name = metadata["name"]?.stringValue, !name.isEmpty else {
            throw .field(path + ".metadata.name", "expected a non-empty string")
        }
        guard let namespace = metadata["namespace"]?.stringValue, !namespace.isEmpty else {
            throw .field(path + ".metadata.namespace", "expected a non-empty string")
        }
        var annotations: [String: String] = [:]
        if let members = metadata["annotations"]?.objectValue {
            for (key, value) in members where key.hasPrefix("skyferry.dev/") {
                guard let text = value.stringValue else {
                    throw .field(path + ".metadata.annotations", "expected string values")
                }
                annotations[key] = text
            }
        }
        self.init(
            reference: ServiceAccountReference(namespace: namespace, name: name),
            annotations: annotations,
            resourceVersion: metadata["resourceVersion"]?.stringValue ?? ""
        )
    }
}
