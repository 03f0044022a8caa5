/// `targets[].aws`: AssumeRoleWithWebIdentity settings.
public struct AWSTargetConfiguration: Sendable, Equatable {
    public var roleArn: String
    /// Picks the regional STS endpoint; nil means the global endpoint.
    public var region: String?
    /// The session name; nil lets the agent derive one from the token (see `AWSSessionName`).
    public var sessionName: String?
    /// Requested lifetime; nil lets STS apply the role's default (3600 s).
    public var durationSeconds: Int?
    /// Overrides the STS endpoint derived from region, partition and FIPS.
    public var stsEndpoint: Endpoint?
    /// Use the FIPS STS endpoint of the region.
    public var fips: Bool

    public init(
        roleArn: String,
        region: String? = nil,
        sessionName: String? = nil,
        durationSeconds: Int? = nil,
        stsEndpoint: Endpoint? = nil,
        fips: Bool = false
    ) {
        self.roleArn = roleArn
        self.region = region
        self.sessionName = sessionName
        self.durationSeconds = durationSeconds
        self.stsEndpoint = stsEndpoint
        self.fips = fips
    }
}
