import SFCore

/// What a target's outputs should hold for freshly issued credentials. Pure: rendering happens before any
/// write, so a rendering problem can never leave half the outputs updated.
public enum OutputPlan {
    /// Every file path a target's outputs may write, whatever the outcome (for cleaning up at start), the
    /// container endpoint's authorization token file included.
    public static func paths(for target: TargetConfiguration) -> [String] {
        let outputs = target.outputs
        let paths = [
            outputs.awsWebIdentityTokenFile?.path, outputs.gcpExternalAccountFile?.subjectTokenPath,
            outputs.gcpExternalAccountFile?.path, outputs.gcpAccessTokenFile?.path,
            outputs.awsCredentialsFile?.path, outputs.awsContainerEndpoint?.authTokenFile,
            outputs.azureFederatedTokenFile?.path, outputs.azureAccessTokenFile?.path,
            outputs.azureManagedIdentityEndpoint?.secretFile,
        ]
        return paths.compactMap { $0 }
    }

    /// The order files are written in: the subject token before the external_account JSON that points at it.
    static let writeOrder: [OutputKind] = [
        .awsWebIdentityTokenFile, .gcpExternalAccountFile, .gcpAccessTokenFile, .awsCredentialsFile,
        .awsContainerEndpoint, .gcpMetadataServer, .azureFederatedTokenFile, .azureAccessTokenFile,
        .azureManagedIdentityEndpoint,
    ]

    public static func files(
        for target: TargetConfiguration,
        source: SourceConfiguration,
        outcome: ExchangeOutcome
    ) -> [FileWrite] {
        writeOrder.flatMap { files(of: $0, for: target, source: source, outcome: outcome) }
    }

    static func files(
        of kind: OutputKind,
        for target: TargetConfiguration,
        source: SourceConfiguration,
        outcome: ExchangeOutcome
    ) -> [FileWrite] {
        let outputs = target.outputs
        switch kind {
        case .awsWebIdentityTokenFile:
            guard let file = outputs.awsWebIdentityTokenFile, let token = outcome.token else { return [] }
            // Raw JWT, no trailing newline: botocore and the Go SDK send the file's bytes verbatim.
            return [FileWrite(path: file.path, contents: Array(token.value.utf8), mode: file.mode, output: kind)]
        case .gcpExternalAccountFile:
            guard let file = outputs.gcpExternalAccountFile, case .gcp(let gcp) = target.provider,
                case .gcp(let access) = outcome.credentials
            else { return [] }
            var writes: [FileWrite] = []
            // The subject token first: the JSON must never point at a file that is not there yet.
            if let subjectPath = file.subjectTokenPath {
                writes.append(
                    FileWrite(
                        path: subjectPath,
                        contents: Array(access.subjectToken.utf8),
                        mode: file.mode,
                        output: kind
                    )
                )
            }
            let credentialSource: ExternalAccountRenderer.CredentialSource =
                file.imdsListen
                .map { .aws1(baseURL: "http://\($0)") } ?? .file(file.subjectTokenPath ?? source.tokenFilePath ?? "")
            let document = ExternalAccountRenderer.render(
                target: gcp,
                subjectTokenType: ExternalAccountRenderer.subjectTokenType(for: source),
                credentialSource: credentialSource
            )
            writes.append(FileWrite(path: file.path, contents: Array(document.utf8), mode: file.mode, output: kind))
            return writes
        case .gcpAccessTokenFile:
            guard let file = outputs.gcpAccessTokenFile, case .gcp(let access) = outcome.credentials else { return [] }
            // The raw token, no trailing newline (it goes straight into an Authorization header).
            return [FileWrite(path: file.path, contents: Array(access.token.utf8), mode: file.mode, output: kind)]
        case .awsCredentialsFile:
            guard let file = outputs.awsCredentialsFile, case .aws(let aws) = outcome.credentials else { return [] }
            return [
                FileWrite(
                    path: file.path,
                    contents: AWSCredentialsFileRenderer.render(aws, profile: file.profile),
                    mode: file.mode,
                    output: kind
                )
            ]
        case .azureFederatedTokenFile:
            guard let file = outputs.azureFederatedTokenFile, case .azure(let azure) = outcome.credentials else {
                return []
            }
            // The assertion the tokens were obtained with: already checked (a JWT, the right audience, not
            // expired), so a bad one never replaces a good one. No trailing newline, as the kubelet writes it.
            return [FileWrite(path: file.path, contents: Array(azure.assertion.utf8), mode: file.mode, output: kind)]
        case .azureAccessTokenFile:
            guard let file = outputs.azureAccessTokenFile, case .azure(let azure) = target.provider,
                case .azure(let issued) = outcome.credentials, let resource = azure.accessTokenResource(for: file),
                let token = issued.tokens[resource]
            else { return [] }
            // The raw token, no trailing newline (it goes straight into an Authorization header).
            return [FileWrite(path: file.path, contents: Array(token.token.utf8), mode: file.mode, output: kind)]
        case .awsContainerEndpoint, .gcpMetadataServer, .azureManagedIdentityEndpoint:
            // Served from memory; the endpoints' token and secret files are written once at start, not per refresh.
            return []
        }
    }
}
