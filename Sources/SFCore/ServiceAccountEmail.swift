/// The one check for a Google service account email, used by the agent's configuration, the webhook's
/// `skyferry.dev/gcp-service-account` annotation and `skyferry setup`.
///
/// The email ends up in an IAM Credentials URL path (`…/serviceAccounts/EMAIL:generateAccessToken`),
/// so only `LOCAL@DOMAIN` with LOCAL in `[A-Za-z0-9._+-]` and DOMAIN dot-separated labels of
/// `[A-Za-z0-9-]` is accepted: never `?`, `#`, `%`, `/`, `:`, whitespace or control characters.
public enum ServiceAccountEmail {
    /// Why `text` is not a service account email, or nil when it is one.
    public static func problem(_ text: String) -> String? {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2 else { return "expected exactly one @ (NAME@PROJECT.iam.gserviceaccount.com)" }
        let local = parts[0]
        let domain = parts[1]
        let localSymbols = Set("._+-".utf8)
        let localIsValid = local.utf8.allSatisfy { isAlphanumeric($0) || localSymbols.contains($0) }
        guard (1...64).contains(local.utf8.count), localIsValid else {
            return "the part before @ must be 1-64 letters, digits, '.', '_', '+' or '-'"
        }
        let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
        let isLabel = { (label: Substring) in
            (1...63).contains(label.utf8.count) && label.utf8.allSatisfy { isAlphanumeric($0) || $0 == 0x2D }
        }
        guard domain.utf8.count <= 253, labels.count >= 2, labels.allSatisfy(isLabel) else {
            return "the part after @ must be a domain name such as PROJECT.iam.gserviceaccount.com"
        }
        return nil
    }

    public static func isValid(_ text: String) -> Bool { problem(text) == nil }

    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
    }
}
