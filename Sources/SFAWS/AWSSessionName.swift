import FoundationEssentials
import SFCore

/// Role session names: what CloudTrail shows for every call made with the credentials.
public enum AWSSessionName {
    /// The configured name, else `skyferry-<pod name>` from a pod-bound token, else `skyferry-<unix seconds>`;
    /// characters outside `[\w+=,.@-]` become `-`, and the result is cut to 64 characters.
    public static func resolve(configured: String?, claims: JWTClaims, now: Date) -> String {
        if let configured { return configured }
        let base: String
        if let pod = claims.podName, !pod.isEmpty {
            base = "skyferry-" + pod
        } else {
            base = "skyferry-\(Int(now.timeIntervalSince1970))"
        }
        let cleaned = String(base.map { AWSNames.isSessionNameCharacter($0) ? $0 : "-" })
        return String(cleaned.prefix(64))
    }
}
