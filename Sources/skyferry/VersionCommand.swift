import ArgumentParser

/// `skyferry version`.
struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "version", abstract: "Print the version.")

    func run() {
        print("skyferry \(Skyferry.version)")
    }
}
