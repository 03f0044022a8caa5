/// Kubernetes object-name rules (apimachinery's validation), checked before a name is printed into
/// commands, policies and trust conditions.
public enum KubernetesName {
    /// Why `text` is not a DNS-1123 label (a namespace), or nil.
    public static func labelProblem(_ text: String) -> String? {
        isLabel(Substring(text))
            ? nil
            : "must be a DNS-1123 label: at most 63 characters of a-z, 0-9 and '-', "
                + "starting and ending with a letter or digit (regex [a-z0-9]([-a-z0-9]*[a-z0-9])?)"
    }

    /// Why `text` is not a DNS-1123 subdomain (a service account name), or nil.
    public static func subdomainProblem(_ text: String) -> String? {
        let labels = text.split(separator: ".", omittingEmptySubsequences: false)
        return text.utf8.count <= 253 && labels.allSatisfy(isLabel)
            ? nil
            : "must be a DNS-1123 subdomain: at most 253 characters, dot-separated labels of a-z, 0-9 and '-', "
                + "each starting and ending with a letter or digit"
    }

    static func isLabel(_ text: Substring) -> Bool {
        guard (1...63).contains(text.utf8.count), let first = text.utf8.first, let last = text.utf8.last,
            first != 0x2D, last != 0x2D
        else { return false }
        return text.utf8.allSatisfy { (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) || $0 == 0x2D }
    }
}
