extension GCPMetadataSourceConfiguration {
    /// The metadata endpoint: the configured one, else `GCE_METADATA_HOST` (host[:port], as Google's libraries
    /// take it), else the default. Pure: the caller reads the environment.
    public static func resolveEndpoint(
        configured: Endpoint?,
        environment: [String: String]
    ) throws(EndpointError) -> Endpoint {
        if let configured { return configured }
        if let host = environment["GCE_METADATA_HOST"], !host.isEmpty {
            return try Endpoint(parsing: "http://" + host, allowMetadataHosts: true)
        }
        return defaultEndpoint
    }
}
