import SFCore

/// What a target's outputs should hold for freshly issued credentials. Pure: rendering happens before any
/// write, so a rendering problem can never leave half the outputs updated.
public enum OutputPlan {
    /// Every file path a target's outputs may write, whatever the outcome (for cleaning up at start), the
    /// container endpoint's authorization token file included.
    public static func paths(for target: TargetConfiguration) -> [String] {
        let outputs = target.outputs
        let paths = [outputs.awsWebIdentityTokenFile?.path, outputs.gcpExternalAccountFile?.subjectTokenPath,
                     outputs.gcpExternalAccountFile?.path, outputs.gcpAccessTokenFile?.path,
                     outputs.awsCredentialsFile?.path, outputs.awsContainerEndpoint?.authTokenFile]
        return paths.compactMap { $0 }
    }

    public static func files(for target: TargetConfiguration, source: SourceConfiguration, outcome: ExchangeOutcome) -> [FileWrite] {
        let outputs = target.outputs
        var writes: [FileWrite] = []
        if let file = outputs.awsWebIdentityTokenFile, let token = outcome.token {
            // Raw JWT, no trailing newline: botocore and the Go SDK send the file's bytes verbatim.
            writes.append(FileWrite(path: file.path, contents: Array(token.value.utf8), mode: file.mode, output: "awsWebIdentityTokenFile"))
        }
        switch outcome.credentials {
        case .gcp(let access):
            if let file = outputs.gcpExternalAccountFile, case .gcp(let gcp) = target.provider {
                // The subject token first: the JSON must never point at a file that is not there yet.
                if let subjectPath = file.subjectTokenPath {
                    writes.append(FileWrite(path: subjectPath, contents: Array(access.subjectToken.utf8), mode: file.mode, output: "gcpExternalAccountFile"))
                }
                let credentialSource: ExternalAccountRenderer.CredentialSource = file.imdsListen.map { .aws1(baseURL: "http://\($0)") }
                    ?? .file(file.subjectTokenPath ?? source.tokenFilePath ?? "")
                let document = ExternalAccountRenderer.render(
                    target: gcp, subjectTokenType: ExternalAccountRenderer.subjectTokenType(for: source), credentialSource: credentialSource)
                writes.append(FileWrite(path: file.path, contents: Array(document.utf8), mode: file.mode, output: "gcpExternalAccountFile"))
            }
            if let file = outputs.gcpAccessTokenFile {
                // The raw token, no trailing newline (it goes straight into an Authorization header).
                writes.append(FileWrite(path: file.path, contents: Array(access.token.utf8), mode: file.mode, output: "gcpAccessTokenFile"))
            }
        case .aws(let aws):
            if let file = outputs.awsCredentialsFile {
                writes.append(FileWrite(path: file.path, contents: AWSCredentialsFileRenderer.render(aws, profile: file.profile),
                                        mode: file.mode, output: "awsCredentialsFile"))
            }
        }
        return writes
    }
}
