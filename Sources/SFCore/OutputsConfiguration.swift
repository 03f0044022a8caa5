/// `targets[].outputs`: output kind → settings. At least one is set.
public struct OutputsConfiguration: Sendable, Equatable {
    public var awsCredentialsFile: AWSCredentialsFileOutputConfiguration?
    public var awsWebIdentityTokenFile: TokenFileOutputConfiguration?
    public var gcpAccessTokenFile: TokenFileOutputConfiguration?
    public var gcpExternalAccountFile: ExternalAccountFileOutputConfiguration?
    public var awsContainerEndpoint: AWSContainerEndpointOutputConfiguration?
    public var gcpMetadataServer: GCPMetadataServerOutputConfiguration?

    public init(
        awsCredentialsFile: AWSCredentialsFileOutputConfiguration? = nil,
        awsWebIdentityTokenFile: TokenFileOutputConfiguration? = nil,
        gcpAccessTokenFile: TokenFileOutputConfiguration? = nil,
        gcpExternalAccountFile: ExternalAccountFileOutputConfiguration? = nil,
        awsContainerEndpoint: AWSContainerEndpointOutputConfiguration? = nil,
        gcpMetadataServer: GCPMetadataServerOutputConfiguration? = nil
    ) {
        self.awsCredentialsFile = awsCredentialsFile
        self.awsWebIdentityTokenFile = awsWebIdentityTokenFile
        self.gcpAccessTokenFile = gcpAccessTokenFile
        self.gcpExternalAccountFile = gcpExternalAccountFile
        self.awsContainerEndpoint = awsContainerEndpoint
        self.gcpMetadataServer = gcpMetadataServer
    }

    /// True when an output hands over the identity token itself (so its expiry matters for refreshes).
    public var includesIdentityToken: Bool { awsWebIdentityTokenFile != nil }
}
