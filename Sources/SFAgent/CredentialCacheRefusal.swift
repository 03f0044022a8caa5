import FoundationEssentials
import SFCore
import SFFiles
import SFOutputs
#if canImport(Glibc)
import Glibc
#endif

/// A cache directory or file that this user could not have written alone, or a symlink where a file belongs.
public struct CredentialCacheRefusal: Error, Sendable, Equatable, CustomStringConvertible {
    public var path: String
    public var reason: String

    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    public var description: String {
        "the credential cache at \(path) \(reason), so it is not used: credentials come from a fresh exchange and "
            + "are not cached. Remove it or make it this user's with mode 0700 (a file: 0600), or point --cache-dir "
            + "at a directory only this user can write."
    }
}
