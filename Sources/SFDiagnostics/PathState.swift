import FoundationEssentials
import SFAWS
import SFCore

/// What the command found at an output path (from `stat` and `access`).
public struct PathState: Sendable, Equatable {
    public var directoryExists: Bool
    public var directoryWritable: Bool
    public var isDirectory: Bool
    /// Permission bits of the existing file; nil when it does not exist yet.
    public var existingMode: UInt32?

    public init(directoryExists: Bool, directoryWritable: Bool, isDirectory: Bool = false, existingMode: UInt32? = nil)
    {
        self.directoryExists = directoryExists
        self.directoryWritable = directoryWritable
        self.isDirectory = isDirectory
        self.existingMode = existingMode
    }
}
