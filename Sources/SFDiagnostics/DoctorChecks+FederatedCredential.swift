import SFCore

/// The federated identity credential an Azure target's assertion needs: Entra ID compares `iss`, `sub` and `aud`
/// with one credential's issuer, subject and audience, character for character (no wildcards).
extension DoctorChecks {
    /// Entra ID's limit on a credential's issuer and subject.
    static let federatedCredentialFieldLimit = 600

    /// Issuers Entra ID refuses on a federated credential (AADSTS700222): its own.
    static let entraIssuerHosts = [
        "login.microsoftonline.com", "sts.windows.net", "login.microsoftonline.us",
        "login.chinacloudapi.cn", "login.partner.microsoftonline.cn", "login.microsoft.com", "login.windows.net",
    ]

    /// Whether the assertion can match a federated identity credential at all, and the exact credential it
    /// needs (`az identity federated-credential create …`), as the AWS checks print the trust policy.
    public static func federatedCredential(_ claims: JWTClaims, azure: AzureTargetConfiguration) -> DiagnosticStep {
        let audience = azure.resolvedAudience
        guard let issuer = claims.issuer, let subject = claims.subject else {
            return DiagnosticStep(
                check: "federated-credential",
                status: .fail,
                detail: "the assertion has no \(claims.issuer == nil ? "iss" : "sub") claim",
                cause: "Entra ID matches a federated identity credential on the assertion's iss and sub",
                fix: "Present a projected service-account token, a Google ID token or an AWS GetWebIdentityToken JWT."
            )
        }
        var problems: [String] = []
        if !issuer.hasPrefix("https://") {
            problems.append("iss \(JSONText.string(issuer)) is not an https URL (Entra ID fetches its OIDC discovery)")
        }
        if issuer != issuer.trimmingASCIIWhitespace() || subject != subject.trimmingASCIIWhitespace() {
            problems.append("iss or sub starts or ends with a space, which no credential can match")
        }
        if issuer.count > federatedCredentialFieldLimit || subject.count > federatedCredentialFieldLimit {
            problems.append("iss or sub is over \(federatedCredentialFieldLimit) characters, Entra ID's limit")
        }
        let host = issuer.dropFirst("https://".count).prefix { $0 != "/" && $0 != ":" }.lowercased()
        if entraIssuerHosts.contains(host) || host.hasSuffix(".sts.windows.net") {
            problems.append(
                "iss is Entra ID's own (\(host)), which federated credentials refuse (AADSTS700222) unless an app "
                    + "trusts a user-assigned managed identity"
            )
        }
        let needed = "issuer=\(issuer) subject=\(subject) audience=\(audience)"
        guard problems.isEmpty else {
            return DiagnosticStep(
                check: "federated-credential",
                status: .fail,
                detail: problems.joined(separator: "; "),
                cause: "no federated identity credential can match this assertion",
                fix: "Present a token from an OIDC issuer that publishes its discovery document over https."
            )
        }
        return .pass(
            "federated-credential",
            "client \(azure.clientId) needs a federated identity credential with \(needed)"
        )
    }

    /// The command that creates the credential this assertion needs on a user-assigned managed identity (for an
    /// app registration: `az ad app federated-credential create` with the same three values), or nil without
    /// `iss` and `sub`. For the fix of a "no matching federated identity record" answer (AADSTS70021, 700211–3).
    public static func federatedCredentialCommand(_ claims: JWTClaims, azure: AzureTargetConfiguration) -> String? {
        guard let issuer = claims.issuer, let subject = claims.subject else { return nil }
        return "az identity federated-credential create --name NAME --identity-name IDENTITY --resource-group GROUP "
            + "--issuer \(JSONText.string(issuer)) --subject \(JSONText.string(subject)) --audience "
            + JSONText.string(azure.resolvedAudience)
    }
}
