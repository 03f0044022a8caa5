/// What `skyferry agent` checks before it starts, beyond what the parser validates. Pure.
extension AgentConfiguration {
    /// Throws when a target sets no output at all.
    public func checkEveryTargetHasOutputs() throws(AgentRunError) {
        let idle = targets.filter { $0.outputs.kinds.isEmpty }.map(\.name)
        guard idle.isEmpty else { throw .targetsWithoutOutputs(idle) }
    }

    /// Throws, for `--once`, when a target has an output only a running agent serves (a local endpoint).
    public func checkRunnableOnce() throws(AgentRunError) {
        let served = targets.filter { target in
            target.outputs.awsContainerEndpoint != nil || target.outputs.gcpMetadataServer != nil
                || target.outputs.gcpExternalAccountFile?.imdsListen != nil
                || target.outputs.azureManagedIdentityEndpoint != nil
        }.map(\.name)
        guard served.isEmpty else { throw .endpointOutputsUnderOnce(served) }
    }
}
