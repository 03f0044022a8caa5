import ArgumentParser
import SFCore
import SFConsole
import SFDiagnostics

/// `skyferry setup aws`.
struct SetupAWSCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "aws",
        abstract:
            "An IAM role only this workload can assume: a Kubernetes service account (EKS, GKE, any OIDC cluster) or"
            + " a Google service account (GCE/GKE ID tokens)."
    )

    @OptionGroup var cluster: ClusterOptions

    @OptionGroup var azure: AzureIdentityOptions

    @Option(
        name: .long,
        help:
            ArgumentHelp(
                "Instead of a cluster: the Google service account whose ID tokens (GCE/GKE metadata server) assume the "
                    + "role."
            )
    )
    var googleServiceAccount: String?

    @Option(name: .long, help: "That service account's unique id (looked up with gcloud when omitted).")
    var googleUniqueId: String?

    @Option(name: .long, help: "The AWS account that owns the role.")
    var accountId: String

    @Option(name: .long, help: "The role to create.")
    var roleName: String

    @Option(name: .long, help: "The token audience the role accepts.")
    var audience: String = AWSSetupRequest.defaultAudience

    @Option(name: .long, help: "A policy to attach (the permissions wanted); repeatable.")
    var policyArn: [String] = []

    @Option(name: .long, help: "The STS region for the agent's configuration.")
    var region: String?

    @Option(name: .long, help: "Output format: text (a script to review) or json.")
    var output: ReportFormat = .text

    func validate() throws {
        try SetupInput.validating(checks)
    }

    func checks() throws {
        guard accountId.count == 12, accountId.allSatisfy(\.isNumber) else {
            throw ValidationError("--account-id \(accountId): an AWS account id is 12 digits")
        }
        guard [cluster.isSet, googleServiceAccount != nil, azure.isSet].filter({ $0 }).count == 1 else {
            throw ValidationError(
                "give either a cluster (--issuer, --eks-cluster or --gke-cluster, with --namespace and "
                    + "--service-account) or --google-service-account (or --azure-tenant with --app-id-uri and "
                    + "--azure-principal-id)"
            )
        }
        if azure.isSet { _ = try azure.identity() }
        if cluster.isSet { _ = try cluster.workload() }
        if let googleServiceAccount {
            try SetupInput.checkServiceAccountEmail(googleServiceAccount, flag: "--google-service-account")
        }
    }

    func run() throws {
        let identity: AWSSetupRequest.Identity
        if azure.isSet {
            let azure = try self.azure.identity()
            identity = .azureManagedIdentity(
                tenantID: azure.tenantID,
                appIDURI: azure.appIDURI,
                principalID: azure.principalID
            )
        } else {
            identity =
                try googleServiceAccount.map { .googleServiceAccount(email: $0, uniqueID: googleUniqueId) }
                ?? .kubernetes(cluster.workload())
        }
        let plan = AWSSetup.plan(
            AWSSetupRequest(
                identity: identity,
                accountID: accountId,
                roleName: roleName,
                audience: audience,
                policyARNs: policyArn,
                region: region
            )
        )
        StandardStream.write(output == .json ? plan.json : plan.text, to: .standardOutput)
    }
}
