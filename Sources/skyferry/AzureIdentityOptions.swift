import ArgumentParser

/// `--azure-tenant`, `--app-id-uri`, `--azure-principal-id`: an Azure managed identity as the source of
/// `skyferry setup aws` and `setup gcp`.
struct AzureIdentityOptions: ParsableArguments {
    @Option(
        name: .long,
        help: "Instead of a cluster: the Entra tenant id of an Azure managed identity (VM, App Service, AKS)."
    )
    var azureTenant: String?

    @Option(name: .long, help: "The application ID URI the identity asks tokens for (api://skyferry-aws).")
    var appIdUri: String?

    @Option(name: .long, help: "The managed identity's principal (object) id: the tokens' sub.")
    var azurePrincipalId: String?

    var isSet: Bool { azureTenant != nil || appIdUri != nil || azurePrincipalId != nil }

    /// The three values, checked: tenant and principal are GUIDs, the URI has a scheme.
    func identity() throws -> (tenantID: String, appIDURI: String, principalID: String) {
        guard let azureTenant, let appIdUri, let azurePrincipalId else {
            throw ValidationError("--azure-tenant, --app-id-uri and --azure-principal-id go together")
        }
        for (flag, value) in [("--azure-tenant", azureTenant), ("--azure-principal-id", azurePrincipalId)] {
            let groups = value.split(separator: "-", omittingEmptySubsequences: false)
            guard groups.map(\.count) == [8, 4, 4, 4, 12], groups.allSatisfy({ $0.allSatisfy(\.isHexDigit) }) else {
                throw ValidationError("\(flag) \(value): expected a GUID (00000000-0000-0000-0000-000000000000)")
            }
        }
        guard appIdUri.contains("://") || appIdUri.count == 36, !appIdUri.contains(where: \.isWhitespace) else {
            throw ValidationError("--app-id-uri \(appIdUri): expected an application ID URI such as api://skyferry-aws")
        }
        return (azureTenant, appIdUri, azurePrincipalId)
    }
}
