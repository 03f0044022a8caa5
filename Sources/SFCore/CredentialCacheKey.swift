/// What a `credential-process` cache entry is keyed on: the content of the resolved target, not the path of the
/// configuration file that named it. Pure.
///
/// Every setting that decides which credentials STS issues is written, in a fixed order, one `key=value` line
/// each with the value as a JSON string (so no value can forge a line break or another key). Absent optional
/// settings are written as `null`. A configuration edited in place (another `roleArn`, region, session name,
/// endpoint, duration, source or audience) therefore yields another key and never the old role's credentials.
/// The caller hashes `canonical` (SHA-256) to name the file.
public enum CredentialCacheKey {
    /// Bumped whenever the serialization or the cache file format changes, so old entries are never read.
    public static let version = "skyferry-credential-process-cache-v2"

    /// The key of `target` in `configuration`: its source resolved as the exchange will resolve it
    /// (`GCE_METADATA_HOST` from `environment` included), so a changed setting never hits an old entry.
    public static func canonical(
        target: TargetConfiguration,
        configuration: AgentConfiguration,
        environment: [String: String]
    ) -> String {
        var source = configuration.source(for: target)
        if case .gcpMetadata(var metadata) = source {
            metadata.endpoint = try? GCPMetadataSourceConfiguration.resolveEndpoint(
                configured: metadata.endpoint,
                environment: environment
            )
            source = .gcpMetadata(metadata)
        }
        return canonical(target: target, source: source)
    }

    public static func canonical(target: TargetConfiguration, source: SourceConfiguration) -> String {
        var fields: [(String, String?)] = [("version", version), ("target.name", target.name)]
        switch source {
        case .tokenFile(let path):
            fields += [("source", "tokenFile"), ("source.tokenFile", path)]
        case .gcpMetadata(let metadata):
            fields += [
                ("source", "gcpMetadata"), ("source.audience", metadata.audience),
                ("source.endpoint", metadata.endpoint?.url), ("source.serviceAccount", metadata.serviceAccount),
            ]
        case .aws(let aws):
            fields += [("source", "aws"), ("source.region", aws.region)]
        }
        switch target.provider {
        case .aws(let aws):
            fields += [
                ("provider", "aws"), ("aws.roleArn", aws.roleArn), ("aws.region", aws.region),
                ("aws.sessionName", aws.sessionName),
                ("aws.durationSeconds", aws.durationSeconds.map(String.init)),
                ("aws.stsEndpoint", aws.stsEndpoint?.url), ("aws.fips", aws.fips ? "true" : "false"),
            ]
        case .gcp(let gcp):
            fields += [
                ("provider", "gcp"), ("gcp.audience", gcp.audience), ("gcp.serviceAccount", gcp.serviceAccount),
                ("gcp.scopes", gcp.scopes.map(JSONText.string).joined(separator: ",")),
                ("gcp.lifetimeSeconds", gcp.lifetimeSeconds.map(String.init)),
                ("gcp.stsEndpoint", gcp.stsEndpoint?.url), ("gcp.iamEndpoint", gcp.iamEndpoint?.url),
            ]
        case .azure(let azure):
            fields += [
                ("provider", "azure"), ("azure.tenantId", azure.tenantId), ("azure.clientId", azure.clientId),
                ("azure.cloud", azure.cloud.rawValue), ("azure.authorityHost", azure.authorityHost?.url),
                ("azure.resources", azure.resources.map(JSONText.string).joined(separator: ",")),
                ("azure.audience", azure.audience),
            ]
        }
        return fields.map { key, value in "\(key)=\(value.map(JSONText.string) ?? "null")\n" }.joined()
    }
}
