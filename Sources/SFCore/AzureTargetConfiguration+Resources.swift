/// Which resource an output hands over.
extension AzureTargetConfiguration {
    /// The resource `azureAccessTokenFile` writes the token of: its own `resource`, else the first of `resources`,
    /// without `/.default`. Nil only when neither is set (the parser refuses that configuration).
    public func accessTokenResource(for output: AzureAccessTokenFileOutputConfiguration) -> String? {
        (output.resource ?? resources.first).map(AzureNames.bareResource)
    }

    /// `resources` without `/.default`: the keys of a refresh's `AzureAccessTokens.tokens`.
    public var bareResources: [String] { resources.map(AzureNames.bareResource) }
}
