extension AzureManagedIdentitySourceConfiguration {
    /// IMDS's token path, appended to the base URL.
    public static let imdsTokenPath = "/metadata/identity/oauth2/token"
    public static let imdsAPIVersion = "2018-02-01"
    public static let appServiceAPIVersion = "2019-08-01"

    /// The query of a token request, encoded: `api-version`, `resource`, then the chosen identity, named as IMDS
    /// (`msi_res_id`) or App Service (`mi_res_id`) name an ARM resource id.
    public func tokenQuery(appService: Bool) -> String {
        var fields: [(String, String)] = [
            ("api-version", appService ? Self.appServiceAPIVersion : Self.imdsAPIVersion), ("resource", resource),
        ]
        if let clientId { fields.append(("client_id", clientId)) }
        if let objectId { fields.append(("object_id", objectId)) }
        if let resourceId { fields.append((appService ? "mi_res_id" : "msi_res_id", resourceId)) }
        return fields.map { "\($0.0)=\(PercentEncoding.encode($0.1))" }.joined(separator: "&")
    }

    /// The full IMDS token URL at `base`, as Google's libraries fetch it themselves (`credential_source.url`).
    public func imdsTokenURL(base: Endpoint) -> String {
        base.appendingPath(Self.imdsTokenPath).url + "?" + tokenQuery(appService: false)
    }

    /// This source with IMDS's default address written in when neither the configuration nor the environment
    /// names an endpoint, so that afterwards `endpoint == nil` means exactly "the App Service endpoint from
    /// `IDENTITY_ENDPOINT`". Pure: the caller reads the environment.
    public func resolvingIMDSEndpoint(environment: [String: String]) -> AzureManagedIdentitySourceConfiguration {
        var resolved = self
        if case .imds(let endpoint) = try? Self.resolveEndpoint(configured: endpoint, environment: environment) {
            resolved.endpoint = endpoint
        }
        return resolved
    }
}
