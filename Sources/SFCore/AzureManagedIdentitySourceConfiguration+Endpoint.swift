extension AzureManagedIdentitySourceConfiguration {
    /// The endpoint asked: the configured IMDS base URL, else the App Service endpoint when `IDENTITY_ENDPOINT`
    /// and `IDENTITY_HEADER` are both set (as Azure's own SDKs decide), else IMDS at the default address.
    /// Pure: the caller reads the environment.
    public static func resolveEndpoint(
        configured: Endpoint?,
        environment: [String: String]
    ) throws(EndpointError) -> AzureIdentityEndpoint {
        if let configured { return .imds(configured) }
        if let url = environment["IDENTITY_ENDPOINT"], !url.isEmpty,
            let header = environment["IDENTITY_HEADER"], !header.isEmpty
        {
            return .appService(try Endpoint(parsing: url, allowMetadataHosts: true), identityHeader: header)
        }
        return .imds(defaultEndpoint)
    }
}
