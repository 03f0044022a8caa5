/// `tls`: PEM files, re-read when they change (cert-manager rotates them in place).
public struct TLSFilesConfiguration: Sendable, Equatable {
    public static let defaultReloadIntervalSeconds = 5

    public var certFile: String
    public var keyFile: String
    /// How often the files' identity (inode, size, mtime) is checked.
    public var reloadIntervalSeconds: Int

    public init(certFile: String, keyFile: String, reloadIntervalSeconds: Int = Self.defaultReloadIntervalSeconds) {
        self.certFile = certFile
        self.keyFile = keyFile
        self.reloadIntervalSeconds = reloadIntervalSeconds
    }
}
