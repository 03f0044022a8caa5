import SFCore

/// Renders the `external_account` credential configuration that Google's client libraries and gcloud read
/// (`GOOGLE_APPLICATION_CREDENTIALS`, `gcloud auth login --cred-file`), so they run the exchange themselves
/// and refresh without the agent's help.
///
/// `credential_source.file` is the source's own token file when there is one (the kubelet keeps it fresh),
/// else the subject-token file the agent rewrites on every refresh.
public enum ExternalAccountRenderer {
    public static let jwtTokenType = "urn:ietf:params:oauth:token-type:jwt"
    public static let awsTokenType = "urn:ietf:params:aws:token-type:aws4_request"

    public static func render(target: GCPTargetConfiguration, subjectTokenType: String, credentialSourceFile: String) -> String {
        var lines: [String] = [
            "  \"type\": \"external_account\"",
            "  \"audience\": \(JSONText.string(target.audience))",
            "  \"subject_token_type\": \(JSONText.string(subjectTokenType))",
            "  \"token_url\": \(JSONText.string(target.resolvedSTSEndpoint.url))",
        ]
        if let impersonation = target.impersonationEndpoint {
            lines.append("  \"service_account_impersonation_url\": \(JSONText.string(impersonation.url))")
            if let lifetime = target.lifetimeSeconds {
                lines.append("  \"service_account_impersonation\": {\"token_lifetime_seconds\": \(lifetime)}")
            }
        }
        lines.append("  \"credential_source\": {\"file\": \(JSONText.string(credentialSourceFile)), \"format\": {\"type\": \"text\"}}")
        lines.append("  \"universe_domain\": \"googleapis.com\"")
        return "{\n" + lines.joined(separator: ",\n") + "\n}\n"
    }

    /// The subject token type a source produces.
    public static func subjectTokenType(for source: SourceConfiguration) -> String {
        if case .aws = source { return awsTokenType }
        return jwtTokenType
    }
}
