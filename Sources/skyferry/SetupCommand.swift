import ArgumentParser
import SFCore

/// `skyferry setup`: print the commands and policies that create a least-privilege trust.
struct SetupCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "setup",
        abstract:
            "Print the aws/gcloud/az commands, policy documents, Skyferry configuration and pod settings for a "
            + "least-privilege trust.",
        discussion: "Nothing is run or created: review the output, then run it. "
            + CommandExitStatus.helpText([.success, .configurationInvalid, .usage]),
        subcommands: [SetupAWSCommand.self, SetupGCPCommand.self, SetupAzureCommand.self]
    )
}
