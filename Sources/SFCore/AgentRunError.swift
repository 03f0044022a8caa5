/// Why the agent cannot run a valid configuration in the mode it was started in. Its `description` follows
/// `configuration ORIGIN: `; the command ends with `configurationInvalid`.
public enum AgentRunError: Error, Sendable, Equatable, CustomStringConvertible {
    /// These targets set no output: the agent would have nothing to write.
    case targetsWithoutOutputs([String])
    /// Under `--once`, these targets have outputs that only the long-running agent serves.
    case endpointOutputsUnderOnce([String])

    public var description: String {
        switch self {
        case .targetsWithoutOutputs(let names):
            return "target(s) \(names.joined(separator: ", ")) have no outputs; the agent would have nothing to "
                + "write (targets[].outputs, e.g. awsCredentialsFile)"
        case .endpointOutputsUnderOnce(let names):
            return "target(s) \(names.joined(separator: ", ")) have endpoint outputs (awsContainerEndpoint, "
                + "gcpMetadataServer, gcpExternalAccountFile.imdsListen), which only the long-running agent serves; "
                + "run without --once, or use file outputs"
        }
    }
}
