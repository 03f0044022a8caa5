/// The rules Azure values follow, for every front end that accepts them (the agent's configuration, the webhook's
/// pod annotations), so that a value is valid in one exactly when it is valid in the other. Each `…Problem`
/// returns why a value is wrong, or nil when it is right.
public enum AzureNames {
    /// The most resources `targets[].azure.resources` may list (each is one request per refresh).
    public static let maximumResources = 20
    /// A federated identity credential's audience is at most 600 characters (Entra's limit).
    public static let maximumAudienceLength = 600
    /// The managed-identity endpoint's `secret`: long enough not to be guessed, short enough for a header.
    public static let secretLengths = 16...512

    /// `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`, hex digits of either case.
    public static func isGUID(_ text: String) -> Bool {
        let groups = text.split(separator: "-", omittingEmptySubsequences: false)
        guard groups.map(\.count) == [8, 4, 4, 4, 12] else { return false }
        return groups.allSatisfy { $0.allSatisfy(\.isHexDigit) && $0.allSatisfy(\.isASCII) }
    }

    /// A DNS name of at least two labels (`contoso.onmicrosoft.com`).
    public static func isDomainName(_ text: String) -> Bool {
        let labels = text.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2, text.count <= 253 else { return false }
        return labels.allSatisfy { label in
            (1...63).contains(label.count) && label.first != "-" && label.last != "-"
                && label.allSatisfy { $0.isASCIILetter || $0.isASCIIDigit || $0 == "-" }
        }
    }

    public static func tenantIdProblem(_ text: String) -> String? {
        if isGUID(text) || isDomainName(text) { return nil }
        let lower = text.lowercased()
        if lower == "common" || lower == "organizations" || lower == "consumers" {
            return "\"\(text)\" is a multi-tenant alias, which the client-credentials grant does not accept; "
                + "use the directory (tenant) id, a GUID such as 72f988bf-86f1-41af-91ab-2d7cd011db47"
        }
        return "\"\(text)\" is not a tenant (expected the directory (tenant) id, a GUID such as "
            + "72f988bf-86f1-41af-91ab-2d7cd011db47, or a verified domain such as contoso.onmicrosoft.com)"
    }

    public static func clientIdProblem(_ text: String) -> String? {
        isGUID(text)
            ? nil
            : "\"\(text)\" is not a client id (expected the application (client) id of the app registration or "
                + "user-assigned managed identity, a GUID such as 00000000-0000-0000-0000-000000000000)"
    }

    /// An application ID URI (`https://storage.azure.com`, `api://skyferry`), with or without `/.default`, or an
    /// application id (a GUID).
    public static func resourceProblem(_ text: String) -> String? {
        let printable = text.unicodeScalars.allSatisfy { $0.value > 0x20 && $0.value < 0x7F }
        let bare = bareResource(text)
        let uri = bare.firstRange(of: "://").map { range in
            let scheme = bare[..<range.lowerBound]
            return !scheme.isEmpty && scheme.allSatisfy { $0.isASCIILetter || $0.isASCIIDigit || $0 == "+" }
                && range.upperBound < bare.endIndex
        }
        if printable, text.count <= 1000, isGUID(bare) || uri == true { return nil }
        return "\"\(text)\" is not a resource (expected an application ID URI such as https://storage.azure.com or "
            + "api://my-api, or an application id; printable ASCII without spaces)"
    }

    public static func audienceProblem(_ text: String) -> String? {
        let printable = text.unicodeScalars.allSatisfy { $0.value > 0x20 && $0.value < 0x7F }
        if printable, text.count <= maximumAudienceLength { return nil }
        return "\"\(text)\" is not a federated credential audience (expected at most \(maximumAudienceLength) "
            + "printable characters without spaces, e.g. api://AzureADTokenExchange)"
    }

    /// Letters, digits and `-._~+/=`: safe in an HTTP header and in an environment variable.
    public static func secretProblem(_ text: String) -> String? {
        let allowed = text.allSatisfy { c in
            c.isASCIILetter || c.isASCIIDigit || "-._~+/=".contains(c)
        }
        if allowed, secretLengths.contains(text.count) { return nil }
        return "the secret must be \(secretLengths.lowerBound)-\(secretLengths.upperBound) letters, digits or "
            + "-._~+/= (it is sent in the X-IDENTITY-HEADER header); this one is \(text.count) characters"
            + (allowed ? "" : " and has others")
    }

    /// `resource` without a trailing `/.default` (the scope spelling): both name one resource.
    public static func bareResource(_ text: String) -> String {
        let suffix = "/.default"
        return text.hasSuffix(suffix) ? String(text.dropLast(suffix.count)) : text
    }
}
