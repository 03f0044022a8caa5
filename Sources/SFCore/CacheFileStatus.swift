/// What `fstat` on an opened cache directory or file said: the facts the trust decision needs.
public struct CacheFileStatus: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case directory, regularFile, other
    }

    public var kind: Kind
    public var owner: UInt32
    /// Permission bits, with the set-id and sticky bits (`st_mode & 0o7777`).
    public var mode: UInt32

    public init(kind: Kind, owner: UInt32, mode: UInt32) {
        self.kind = kind
        self.owner = owner
        self.mode = mode
    }
}
