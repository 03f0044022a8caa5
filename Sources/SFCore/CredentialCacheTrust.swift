/// Whether a `credential-process` cache directory or file may be used. Pure.
///
/// The cache holds credentials that are printed to an SDK, so it must be something only this user could have
/// written: owned by the process's effective uid, and writable by nobody else. A directory others can write
/// to is accepted only with the sticky bit (as `/tmp`), because then they cannot replace this user's files;
/// each file is still checked on its own. A refusal is a sentence for the message, nil means trusted.
public enum CredentialCacheTrust {
    public static func directoryRefusal(_ status: CacheFileStatus, euid: UInt32) -> String? {
        guard status.kind == .directory else { return "is not a directory" }
        guard status.owner == euid else {
            return "is owned by uid \(status.owner), not by this process's uid \(euid)"
        }
        if status.mode & 0o022 != 0 && status.mode & 0o1000 == 0 {
            return "has mode \(octal(status.mode)): group or others may write to it and it has no sticky bit"
        }
        return nil
    }

    /// Cache and lock files are created 0600 by this user; anything else was not made by skyferry for this user.
    public static func fileRefusal(_ status: CacheFileStatus, euid: UInt32) -> String? {
        guard status.kind == .regularFile else { return "is not a regular file" }
        guard status.owner == euid else {
            return "is owned by uid \(status.owner), not by this process's uid \(euid)"
        }
        if status.mode & 0o077 != 0 {
            return "has mode \(octal(status.mode)), expected 0600 (owner-only)"
        }
        return nil
    }

    /// `0640`-style spelling for messages.
    public static func octal(_ mode: UInt32) -> String {
        let digits = String(mode & 0o7777, radix: 8)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}
