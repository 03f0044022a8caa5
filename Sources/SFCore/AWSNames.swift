/// Character rules of AWS names.
public enum AWSNames {
    /// `[\w+=,.@-]`, the role-session-name and role-name alphabet.
    public static func isSessionNameCharacter(_ c: Character) -> Bool {
        guard let byte = c.asciiValue else { return false }
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"),
            UInt8(ascii: "_"), UInt8(ascii: "+"), UInt8(ascii: "="), UInt8(ascii: ","), UInt8(ascii: "."),
            UInt8(ascii: "@"), UInt8(ascii: "-"):
            return true
        default:
            return false
        }
    }

    /// 2–64 characters of `[\w+=,.@-]`.
    public static func isValidSessionName(_ name: String) -> Bool {
        (2...64).contains(name.count) && name.allSatisfy(isSessionNameCharacter)
    }
}
