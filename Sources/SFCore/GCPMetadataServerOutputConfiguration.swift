/// `outputs.gcpMetadataServer`: a GCE metadata-server emulation (`GCE_METADATA_HOST`), from which
/// Google's libraries and gcloud fetch and refresh access tokens by themselves.
public struct GCPMetadataServerOutputConfiguration: Sendable, Equatable {
    public var listen: ListenAddress
    /// `project/project-id`; nil: answered with 404, as for an unknown key.
    public var projectId: String?
    /// `project/numeric-project-id`; nil: the project number of the target's workload identity audience.
    public var numericProjectId: String?

    public init(listen: ListenAddress, projectId: String? = nil, numericProjectId: String? = nil) {
        self.listen = listen
        self.projectId = projectId
        self.numericProjectId = numericProjectId
    }
}
