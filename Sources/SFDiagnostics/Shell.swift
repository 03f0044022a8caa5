import SFCore

/// Shell quoting for generated commands: every interpolated value stays one word and is never expanded.
enum Shell {
    /// Variables the generated script itself sets (`ISSUER_URL=$(aws eks describe-cluster …)`).
    static let scriptVariables: Set<Substring> = ["ISSUER_URL", "ISSUER_HOSTPATH", "SA_UNIQUE_ID"]

    /// The text bare when it holds only characters the shell takes literally, in double quotes when its
    /// only `$` are `${VAR}` of `scriptVariables` (so they expand, and CEL's single quotes read well),
    /// otherwise in POSIX single quotes with each `'` written as `'\''`.
    static func quote(_ text: String) -> String {
        let safe = text.unicodeScalars.allSatisfy { scalar in
            ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
                || "-_./:=@,+%".unicodeScalars.contains(scalar)
        }
        if safe && !text.isEmpty { return text }
        if onlyScriptVariables(text) && !text.contains(where: { "\"`\\!".contains($0) || $0.isNewline }) {
            return "\"\(text)\""
        }
        return singleQuoted(text)
    }

    /// POSIX single quotes: nothing inside is special; a `'` closes, is escaped, and reopens.
    static func singleQuoted(_ text: String) -> String {
        "'" + text.replacing("'", with: "'\\''") + "'"
    }

    /// True when every `$` starts `${NAME}` with NAME one of `scriptVariables`.
    static func onlyScriptVariables(_ text: String) -> Bool {
        var rest = Substring(text)
        while let dollar = rest.firstIndex(of: "$") {
            let after = rest[rest.index(after: dollar)...]
            guard after.hasPrefix("{"), let close = after.firstIndex(of: "}"),
                scriptVariables.contains(after[after.index(after: after.startIndex)..<close])
            else { return false }
            rest = after[after.index(after: close)...]
        }
        return true
    }
}
