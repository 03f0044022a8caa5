/// `outputs.gcpExternalAccountFile`: an `external_account` JSON for Google's libraries and gcloud.
public struct ExternalAccountFileOutputConfiguration: Sendable, Equatable {
    public var path: String
    public var mode: UInt32
    /// Where the agent keeps a fresh STS subject token for the libraries to read. Nil when the source is a
    /// token file (the libraries read that file directly); otherwise resolved by the parser to `<path>.subject-token`.
    public var subjectTokenPath: String?
    /// With an `aws` source: the agent serves the source's AWS credentials in EC2 IMDSv2 shape on this
    /// loopback address, and the file names it as an `aws1` credential source, the only AWS form that
    /// Google's Python library and gcloud accept (Go, Java and Node also read the subject-token file).
    public var imdsListen: ListenAddress?

    public init(path: String, mode: UInt32 = 0o600, subjectTokenPath: String? = nil, imdsListen: ListenAddress? = nil) {
        self.path = path
        self.mode = mode
        self.subjectTokenPath = subjectTokenPath
        self.imdsListen = imdsListen
    }
}
