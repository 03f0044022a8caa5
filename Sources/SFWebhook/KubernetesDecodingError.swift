/// A response from the Kubernetes API server that is not what its protocol promises.
public enum KubernetesDecodingError: Error, Sendable, Equatable, CustomStringConvertible {
    case notJSON(JSONParseError)
    /// A field (dotted path) is missing or has the wrong shape.
    case field(String, String)

    public var description: String {
        switch self {
        case .notJSON(let error): return "the API server's answer is not JSON: \(error)"
        case .field(let path, let problem): return "the API server's answer has an unexpected \(path): \(problem)"
        }
    }
}
