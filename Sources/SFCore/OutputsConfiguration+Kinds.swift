/// The outputs by kind: what is set, which files they write, with which mode.
extension OutputsConfiguration {
    /// One file an output writes, with the key that sets it (`awsCredentialsFile.path`).
    public struct WrittenFile: Sendable, Equatable {
        public var kind: OutputKind
        /// The key under the output that names the file (`path`, `subjectTokenPath`, `authTokenFile`).
        public var field: String
        public var path: String

        public init(kind: OutputKind, field: String, path: String) {
            self.kind = kind
            self.field = field
            self.path = path
        }

        /// The key relative to `outputs`, e.g. `gcpExternalAccountFile.subjectTokenPath`.
        public var key: String { "\(kind).\(field)" }
    }

    /// Whether the output of `kind` is set.
    public func contains(_ kind: OutputKind) -> Bool {
        switch kind {
        case .awsCredentialsFile: return awsCredentialsFile != nil
        case .awsWebIdentityTokenFile: return awsWebIdentityTokenFile != nil
        case .awsContainerEndpoint: return awsContainerEndpoint != nil
        case .gcpAccessTokenFile: return gcpAccessTokenFile != nil
        case .gcpExternalAccountFile: return gcpExternalAccountFile != nil
        case .gcpMetadataServer: return gcpMetadataServer != nil
        case .azureManagedIdentityEndpoint: return azureManagedIdentityEndpoint != nil
        case .azureFederatedTokenFile: return azureFederatedTokenFile != nil
        case .azureAccessTokenFile: return azureAccessTokenFile != nil
        }
    }

    /// Output kinds that are set, in `OutputKind` order.
    public var kinds: [OutputKind] { OutputKind.allCases.filter(contains) }

    /// The mode the output of `kind` gives its files; nil when it is not set or writes no file.
    public func mode(of kind: OutputKind) -> UInt32? {
        switch kind {
        case .awsCredentialsFile: return awsCredentialsFile?.mode
        case .awsWebIdentityTokenFile: return awsWebIdentityTokenFile?.mode
        case .awsContainerEndpoint: return awsContainerEndpoint?.authTokenFileMode
        case .gcpAccessTokenFile: return gcpAccessTokenFile?.mode
        case .gcpExternalAccountFile: return gcpExternalAccountFile?.mode
        case .gcpMetadataServer: return nil
        case .azureManagedIdentityEndpoint:
            return azureManagedIdentityEndpoint?.secretFile == nil ? nil : azureManagedIdentityEndpoint?.secretFileMode
        case .azureFederatedTokenFile: return azureFederatedTokenFile?.mode
        case .azureAccessTokenFile: return azureAccessTokenFile?.mode
        }
    }

    /// Every file an output writes.
    public var filePaths: [WrittenFile] {
        var files: [WrittenFile] = []
        for kind in OutputKind.allCases {
            switch kind {
            case .awsCredentialsFile:
                if let file = awsCredentialsFile { files.append(.init(kind: kind, field: "path", path: file.path)) }
            case .awsWebIdentityTokenFile:
                if let file = awsWebIdentityTokenFile {
                    files.append(.init(kind: kind, field: "path", path: file.path))
                }
            case .awsContainerEndpoint:
                if let endpoint = awsContainerEndpoint {
                    files.append(.init(kind: kind, field: "authTokenFile", path: endpoint.authTokenFile))
                }
            case .gcpAccessTokenFile:
                if let file = gcpAccessTokenFile { files.append(.init(kind: kind, field: "path", path: file.path)) }
            case .gcpExternalAccountFile:
                if let file = gcpExternalAccountFile {
                    files.append(.init(kind: kind, field: "path", path: file.path))
                    if let subject = file.subjectTokenPath {
                        files.append(.init(kind: kind, field: "subjectTokenPath", path: subject))
                    }
                }
            case .gcpMetadataServer:
                break
            case .azureManagedIdentityEndpoint:
                if let secretFile = azureManagedIdentityEndpoint?.secretFile {
                    files.append(.init(kind: kind, field: "secretFile", path: secretFile))
                }
            case .azureFederatedTokenFile:
                if let file = azureFederatedTokenFile {
                    files.append(.init(kind: kind, field: "path", path: file.path))
                }
            case .azureAccessTokenFile:
                if let file = azureAccessTokenFile { files.append(.init(kind: kind, field: "path", path: file.path)) }
            }
        }
        return files
    }

    /// The addresses the outputs listen on, with their keys (`awsContainerEndpoint.listen`) and, for a container
    /// endpoint, its authorization token file.
    public var listenAddresses: [(key: String, address: ListenAddress, tokenFile: String?)] {
        var addresses: [(key: String, address: ListenAddress, tokenFile: String?)] = []
        let order: [OutputKind] = [
            .awsContainerEndpoint, .gcpMetadataServer, .gcpExternalAccountFile, .azureManagedIdentityEndpoint,
        ]
        for kind in order + OutputKind.allCases.filter({ !order.contains($0) }) {
            switch kind {
            case .awsContainerEndpoint:
                if let endpoint = awsContainerEndpoint {
                    addresses.append(("\(kind).listen", endpoint.listen, endpoint.authTokenFile))
                }
            case .gcpMetadataServer:
                if let server = gcpMetadataServer { addresses.append(("\(kind).listen", server.listen, nil)) }
            case .gcpExternalAccountFile:
                if let listen = gcpExternalAccountFile?.imdsListen {
                    addresses.append(("\(kind).imdsListen", listen, nil))
                }
            case .azureManagedIdentityEndpoint:
                if let endpoint = azureManagedIdentityEndpoint {
                    addresses.append(("\(kind).listen", endpoint.listen, nil))
                }
            case .awsCredentialsFile, .awsWebIdentityTokenFile, .gcpAccessTokenFile, .azureFederatedTokenFile,
                .azureAccessTokenFile:
                break
            }
        }
        return addresses
    }
}
