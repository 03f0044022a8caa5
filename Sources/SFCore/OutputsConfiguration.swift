/// `targets[].outputs`: output kind → settings. At least one is set.
public struct OutputsConfiguration: Sendable, Equatable {
    public var awsCredentialsFile: AWSCredentialsFileOutputConfiguration?
    public var awsWebIdentityTokenFile: TokenFileOutputConfiguration?
    public var gcpAccessTokenFile: TokenFileOutputConfiguration?
    public var gcpExternalAccountFile: ExternalAccountFileOutputConfiguration?
    public var awsContainerEndpoint: AWSContainerEndpointOutputConfiguration?
    public var gcpMetadataServer: GCPMetadataServerOutputConfiguration?
    /// The App Service managed-identity contract on loopback (`IDENTITY_ENDPOINT`, `IDENTITY_HEADER`).
    public var azureManagedIdentityEndpoint: AzureManagedIdentityEndpointOutputConfiguration?
    /// The federated assertion itself, kept fresh, for `AZURE_FEDERATED_TOKEN_FILE` (WorkloadIdentityCredential).
    public var azureFederatedTokenFile: TokenFileOutputConfiguration?
    /// The raw Entra access token for one resource.
    public var azureAccessTokenFile: AzureAccessTokenFileOutputConfiguration?

    public init(
        awsCredentialsFile: AWSCredentialsFileOutputConfiguration? = nil,
        awsWebIdentityTokenFile: TokenFileOutputConfiguration? = nil,
        gcpAccessTokenFile: TokenFileOutputConfiguration? = nil,
        gcpExternalAccountFile: ExternalAccountFileOutputConfiguration? = nil,
        awsContainerEndpoint: AWSContainerEndpointOutputConfiguration? = nil,
        gcpMetadataServer: GCPMetadataServerOutputConfiguration? = nil,
        azureManagedIdentityEndpoint: AzureManagedIdentityEndpointOutputConfiguration? = nil,
        azureFederatedTokenFile: TokenFileOutputConfiguration? = nil,
        azureAccessTokenFile: AzureAccessTokenFileOutputConfiguration? = nil
    ) {
        self.awsCredentialsFile = awsCredentialsFile
        self.awsWebIdentityTokenFile = awsWebIdentityTokenFile
        self.gcpAccessTokenFile = gcpAccessTokenFile
        self.gcpExternalAccountFile = gcpExternalAccountFile
        self.awsContainerEndpoint = awsContainerEndpoint
        self.gcpMetadataServer = gcpMetadataServer
        self.azureManagedIdentityEndpoint = azureManagedIdentityEndpoint
        self.azureFederatedTokenFile = azureFederatedTokenFile
        self.azureAccessTokenFile = azureAccessTokenFile
    }

    /// True when an output hands over the identity token itself (so its expiry matters for refreshes).
    public var includesIdentityToken: Bool { awsWebIdentityTokenFile != nil }
}
