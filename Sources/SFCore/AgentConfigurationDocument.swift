/// The agent configuration that Skyferry itself generates (the webhook's `SKYFERRY_CONFIG_YAML`,
/// the configuration `skyferry setup` prints), written as YAML the agent reads back.
///
/// One writer for every generator, so they cannot disagree on keys or quoting. Every string is a
/// double-quoted scalar with JSON escaping, which YAML reads verbatim (no `yes`, `0640` or `${…}`
/// reinterpreted); the tests parse every generated document with `ConfigurationParser`.
public struct AgentConfigurationDocument: Sendable, Equatable {
    public enum Source: Sendable, Equatable {
        case tokenFile(path: String)
        case gcpMetadata(audience: String, serviceAccount: String?)
        /// The AWS credential chain (`source: aws`), with the region of its regional STS endpoint.
        case aws(region: String?)
    }

    public enum Provider: Sendable, Equatable {
        case aws(roleArn: String, region: String?)
        case gcp(audience: String, serviceAccount: String?)
        /// `cloud`, `authorityHost` and `audience` are written only when set; `resources` only when not empty.
        case azure(
            tenantId: String,
            clientId: String,
            cloud: String?,
            authorityHost: String?,
            resources: [String],
            audience: String?
        )
    }

    public enum Output: Sendable, Equatable {
        case awsContainerEndpoint(listen: String, authTokenFile: String, authTokenFileMode: String?)
        case awsCredentialsFile(path: String, mode: String?)
        case gcpMetadataServer(listen: String)
        case gcpExternalAccountFile(path: String, mode: String?)
        /// One of `secretFile` (with its optional mode) and `secret`; `imdsPath` written only when true.
        case azureManagedIdentityEndpoint(
            listen: String,
            secretFile: String?,
            secretFileMode: String?,
            secret: String?,
            imdsPath: Bool
        )
        case azureFederatedTokenFile(path: String, mode: String?)
        case azureAccessTokenFile(path: String, resource: String?, mode: String?)
    }

    public struct Target: Sendable, Equatable {
        public var name: String
        /// A source of this target's own (another token audience), overriding the document's.
        public var source: Source?
        public var provider: Provider
        public var outputs: [Output]

        public init(name: String, source: Source? = nil, provider: Provider, outputs: [Output]) {
            self.name = name
            self.source = source
            self.provider = provider
            self.outputs = outputs
        }
    }

    /// A comment line at the top (without `#`), or nil.
    public var comment: String?
    public var source: Source
    public var targets: [Target]
    /// `health.listen`, or nil for no health server.
    public var healthListen: String?

    public init(comment: String? = nil, source: Source, targets: [Target], healthListen: String? = nil) {
        self.comment = comment
        self.source = source
        self.targets = targets
        self.healthListen = healthListen
    }

    public var yaml: String {
        var lines: [String] = []
        if let comment { lines.append("# " + comment) }
        lines.append("source:")
        Self.append(source, indent: "  ", to: &lines)
        lines.append("targets:")
        for target in targets {
            lines.append("  - name: \(q(target.name))")
            if let source = target.source {
                lines.append("    source:")
                Self.append(source, indent: "      ", to: &lines)
            }
            switch target.provider {
            case .aws(let roleArn, let region):
                lines.append("    aws:")
                lines.append("      roleArn: \(q(roleArn))")
                if let region { lines.append("      region: \(q(region))") }
            case .gcp(let audience, let serviceAccount):
                lines.append("    gcp:")
                lines.append("      audience: \(q(audience))")
                if let serviceAccount { lines.append("      serviceAccount: \(q(serviceAccount))") }
            case .azure(let tenantId, let clientId, let cloud, let authorityHost, let resources, let audience):
                lines.append("    azure:")
                lines.append("      tenantId: \(q(tenantId))")
                lines.append("      clientId: \(q(clientId))")
                if let cloud { lines.append("      cloud: \(q(cloud))") }
                if let authorityHost { lines.append("      authorityHost: \(q(authorityHost))") }
                if !resources.isEmpty {
                    lines.append("      resources: [" + resources.map(q).joined(separator: ", ") + "]")
                }
                if let audience { lines.append("      audience: \(q(audience))") }
            }
            lines.append("    outputs:")
            for output in target.outputs {
                switch output {
                case .awsContainerEndpoint(let listen, let authTokenFile, let mode):
                    lines.append("      awsContainerEndpoint:")
                    lines.append("        listen: \(q(listen))")
                    lines.append("        authTokenFile: \(q(authTokenFile))")
                    if let mode { lines.append("        authTokenFileMode: \(q(mode))") }
                case .awsCredentialsFile(let path, let mode):
                    lines.append("      awsCredentialsFile:")
                    lines.append("        path: \(q(path))")
                    if let mode { lines.append("        mode: \(q(mode))") }
                case .gcpMetadataServer(let listen):
                    lines.append("      gcpMetadataServer:")
                    lines.append("        listen: \(q(listen))")
                case .gcpExternalAccountFile(let path, let mode):
                    lines.append("      gcpExternalAccountFile:")
                    lines.append("        path: \(q(path))")
                    if let mode { lines.append("        mode: \(q(mode))") }
                case .azureManagedIdentityEndpoint(let listen, let secretFile, let fileMode, let secret, let imds):
                    lines.append("      azureManagedIdentityEndpoint:")
                    lines.append("        listen: \(q(listen))")
                    if let secretFile { lines.append("        secretFile: \(q(secretFile))") }
                    if let fileMode { lines.append("        secretFileMode: \(q(fileMode))") }
                    if let secret { lines.append("        secret: \(q(secret))") }
                    if imds { lines.append("        imdsPath: true") }
                case .azureFederatedTokenFile(let path, let mode):
                    lines.append("      azureFederatedTokenFile:")
                    lines.append("        path: \(q(path))")
                    if let mode { lines.append("        mode: \(q(mode))") }
                case .azureAccessTokenFile(let path, let resource, let mode):
                    lines.append("      azureAccessTokenFile:")
                    lines.append("        path: \(q(path))")
                    if let resource { lines.append("        resource: \(q(resource))") }
                    if let mode { lines.append("        mode: \(q(mode))") }
                }
            }
        }
        if let healthListen {
            lines.append("health:")
            lines.append("  listen: \(q(healthListen))")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private static func append(_ source: Source, indent: String, to lines: inout [String]) {
        switch source {
        case .tokenFile(let path):
            lines.append(indent + "tokenFile: \(q(path))")
        case .gcpMetadata(let audience, let serviceAccount):
            lines.append(indent + "gcpMetadata:")
            lines.append(indent + "  audience: \(q(audience))")
            if let serviceAccount { lines.append(indent + "  serviceAccount: \(q(serviceAccount))") }
        case .aws(let region):
            if let region {
                lines.append(indent + "aws:")
                lines.append(indent + "  region: \(q(region))")
            } else {
                lines.append(indent + "aws: {}")
            }
        }
    }
}

private func q(_ text: String) -> String { JSONText.string(text) }
