/// What `skyferry setup aws` and `setup gcp` say alike for an Azure managed identity as the source.
public enum AzureSourceSetup {
    /// The issuer of Entra v1 access tokens (what IMDS hands out for an app whose `accessTokenAcceptedVersion`
    /// is unset or 1): the trailing slash is part of it, and of AWS's condition keys.
    public static func issuer(tenantID: String) -> String { "https://sts.windows.net/\(tenantID)/" }

    static func notes(tenantID: String, appIDURI: String, principalID: String) -> [String] {
        [
            "\(appIDURI) must be the application ID URI of an app registration in tenant \(tenantID) (Expose an "
                + "API), with a service principal; if it requires assignment, grant the identity an app role.",
            "Only tokens for \(appIDURI) whose sub is the managed identity's principal (object) id \(principalID) "
                + "are admitted. Keep the app on v1 tokens (accessTokenAcceptedVersion null or 1): v2 tokens have "
                + "another issuer and audience.",
            "On a VM with several user-assigned identities, set source.azureManagedIdentity.clientId to the one "
                + "with principal id \(principalID).",
        ]
    }
}
