/// One problem found in a configuration file: the key's path, its line, and what is expected.
public struct ConfigurationIssue: Sendable, Equatable, CustomStringConvertible {
    /// Dotted key path, e.g. `targets[1].aws.roleArn`.
    public var path: String
    /// 1-based line, when the problem is tied to a node of the file.
    public var line: Int?
    /// What is wrong and what is expected.
    public var message: String

    public init(path: String, line: Int?, message: String) {
        self.path = path
        self.line = line
        self.message = message
    }

    public var description: String {
        let location = line.map { " (line \($0))" } ?? ""
        return "\(path.isEmpty ? "<top level>" : path)\(location): \(message)"
    }
}
