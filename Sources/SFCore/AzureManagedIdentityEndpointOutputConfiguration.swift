/// `outputs.azureManagedIdentityEndpoint`: the App Service managed-identity contract on loopback
/// (`IDENTITY_ENDPOINT=http://LISTEN/msi/token`, `IDENTITY_HEADER`), which Azure SDKs and `az login --identity`
/// ask and refresh from by themselves.
public struct AzureManagedIdentityEndpointOutputConfiguration: Sendable, Equatable {
    public static let defaultMode: UInt32 = 0o600
    /// The App Service path.
    public static let path = "/msi/token"
    /// The IMDS path, served only with `imdsPath: true` (for `AZURE_POD_IDENTITY_AUTHORITY_HOST`).
    public static let imdsPath = "/metadata/identity/oauth2/token"

    public var listen: ListenAddress
    /// Where the agent writes the random secret it makes at start (`IDENTITY_HEADER`); nil when `secret` is set.
    public var secretFile: String?
    /// Mode of `secretFile`, re-applied on every write.
    public var secretFileMode: UInt32
    /// A secret given in the configuration (the webhook's per-pod secret); nil: make one and write `secretFile`.
    public var secret: String?
    /// Also serve the IMDS path with `Metadata: true` and no secret (weaker: any local process may ask).
    public var imdsPath: Bool

    public init(
        listen: ListenAddress,
        secretFile: String? = nil,
        secretFileMode: UInt32 = Self.defaultMode,
        secret: String? = nil,
        imdsPath: Bool = false
    ) {
        self.listen = listen
        self.secretFile = secretFile
        self.secretFileMode = secretFileMode
        self.secret = secret
        self.imdsPath = imdsPath
    }
}
