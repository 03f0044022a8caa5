import FoundationEssentials
import SFCore
import SFDiagnostics

/// The operating-system probes the doctor makes, as closures, so that `DoctorProbe`'s sequence of checks runs
/// in tests against answers of the test's choosing. `SystemProbes` holds the real ones.
public struct DoctorSystem: Sendable {
    /// Reads a token file whole (bounded), as the agent does, but without the validity check.
    public var readFile: @Sendable (String) throws -> [UInt8]
    /// Resolves a host name: its addresses, or the resolver's error.
    public var resolve: @Sendable (String) -> HostResolution
    /// What `stat` and `access` say about an output path and its directory.
    public var pathState: @Sendable (String) -> PathState
    /// Binds (and at once releases) an address as the agent's servers would: nil when it is free, else why not.
    public var tryBind: @Sendable (ListenAddress) -> String?

    public init(
        readFile: @escaping @Sendable (String) throws -> [UInt8],
        resolve: @escaping @Sendable (String) -> HostResolution = SystemProbes.resolve,
        pathState: @escaping @Sendable (String) -> PathState = SystemProbes.pathState,
        tryBind: @escaping @Sendable (ListenAddress) -> String? = SystemProbes.tryBind
    ) {
        self.readFile = readFile
        self.resolve = resolve
        self.pathState = pathState
        self.tryBind = tryBind
    }
}
