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

    /// Where Google's libraries get the subject token.
    public enum CredentialSource: Sendable, Equatable {
        /// A file holding the token (a JWT, or an agent-signed GetCallerIdentity request).
        case file(String)
        /// An EC2 IMDSv2-shaped endpoint serving AWS credentials (`environment_id: aws1`); the libraries sign
        /// themselves.
        case aws1(baseURL: String)
        /// A URL answering JSON with the token in `access_token`, asked with `Metadata: True` (Azure IMDS, as
        /// `gcloud iam workload-identity-pools create-cred-config --azure` writes it).
        case azureIMDS(url: String)
    }

    public static func render(
        target: GCPTargetConfiguration,
        subjectTokenType: String,
        credentialSourceFile: String
    ) -> String {
        render(target: target, subjectTokenType: subjectTokenType, credentialSource: .file(credentialSourceFile))
    }

    public static func render(
        target: GCPTargetConfiguration,
        subjectTokenType: String,
        credentialSource: CredentialSource
    ) -> String {
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
        switch credentialSource {
        case .file(let path):
            lines.append(
                "  \"credential_source\": {\"file\": \(JSONText.string(path)), \"format\": {\"type\": \"text\"}}"
            )
        case .aws1(let base):
            // `{region}` is a placeholder the libraries fill in (from AWS_REGION, or region_url).
            let fields = [
                "\"environment_id\": \"aws1\"",
                "\"region_url\": \(JSONText.string(base + "/latest/meta-data/placement/availability-zone"))",
                "\"url\": \(JSONText.string(base + "/latest/meta-data/iam/security-credentials"))",
                "\"regional_cred_verification_url\": "
                    + "\"https://sts.{region}.amazonaws.com?Action=GetCallerIdentity&Version=2011-06-15\"",
                "\"imdsv2_session_token_url\": \(JSONText.string(base + "/latest/api/token"))",
            ]
            lines.append("  \"credential_source\": {" + fields.joined(separator: ", ") + "}")
        case .azureIMDS(let url):
            let fields = [
                "\"url\": \(JSONText.string(url))", "\"headers\": {\"Metadata\": \"True\"}",
                "\"format\": {\"type\": \"json\", \"subject_token_field_name\": \"access_token\"}",
            ]
            lines.append("  \"credential_source\": {" + fields.joined(separator: ", ") + "}")
        }
        lines.append("  \"universe_domain\": \"googleapis.com\"")
        return "{\n" + lines.joined(separator: ",\n") + "\n}\n"
    }

    /// The subject token type a source produces.
    public static func subjectTokenType(for source: SourceConfiguration) -> String {
        if case .aws = source { return awsTokenType }
        return jwtTokenType
    }
}
