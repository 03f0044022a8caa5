extension AgentConfiguration {
    /// Every `azureManagedIdentity` source with IMDS's address written in unless `IDENTITY_ENDPOINT` and
    /// `IDENTITY_HEADER` select the App Service endpoint (see `resolvingIMDSEndpoint`): the outputs then know
    /// whether Google's libraries can ask IMDS themselves. Pure: the caller reads the environment.
    public func resolvingAzureEndpoints(environment: [String: String]) -> AgentConfiguration {
        func resolve(_ source: SourceConfiguration) -> SourceConfiguration {
            guard case .azureManagedIdentity(let identity) = source else { return source }
            return .azureManagedIdentity(identity.resolvingIMDSEndpoint(environment: environment))
        }
        var resolved = self
        resolved.source = resolve(source)
        resolved.targets = targets.map { target in
            var target = target
            target.source = target.source.map(resolve)
            return target
        }
        return resolved
    }
}
