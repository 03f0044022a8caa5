/// Why a GCP target has no federated token to mint ID tokens with (the metadata emulation answers 503 with it).
public enum FederatedTokenError: Error, Sendable, Equatable, CustomStringConvertible {
    case unavailable(target: String)

    public var description: String {
        switch self {
        case .unavailable(let target):
            return "target \(target) holds no valid federated token yet "
                + "(the first exchange has not succeeded, or the last one expired)"
        }
    }
}
