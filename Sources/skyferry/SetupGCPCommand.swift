import ArgumentParser
import SFCore
import SFConsole
import SFDiagnostics

/// `skyferry setup gcp`.
struct SetupGCPCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gcp",
        abstract:
            "A workload identity pool and provider that admit only this workload (a Kubernetes service account, or "
            + "an AWS role), and its bindings."
    )

    @OptionGroup var cluster: ClusterOptions

    @OptionGroup var azure: AzureIdentityOptions

    @Option(
        name: .long,
        help:
            ArgumentHelp(
                "Instead of a cluster: the AWS account whose role is admitted (EC2 instance profiles, EKS Pod "
                    + "Identity, "
                    + "ECS)."
            )
    )
    var awsAccountId: String?

    @Option(name: .long, help: "The AWS role admitted (with --aws-account-id).")
    var awsRoleName: String?

    @Option(name: .long, help: "The region the agent signs GetCallerIdentity for (AWS identities).")
    var awsRegion: String?

    @Option(name: .long, help: "The Google Cloud project id.")
    var projectId: String

    @Option(name: .long, help: "The project's number (the provider's name uses it).")
    var projectNumber: String

    @Option(name: .long, help: "The workload identity pool id.")
    var pool: String

    @Option(name: .long, help: "The provider id.")
    var provider: String

    @Option(
        name: .long,
        help: "Impersonate this service account; without it the federated principal is granted the roles directly."
    )
    var impersonate: String?

    @Option(name: .long, help: "A role to grant on the project (the permissions wanted); repeatable.")
    var role: [String] = []

    @Option(name: .long, help: "Output format: text (a script to review) or json.")
    var output: ReportFormat = .text

    func validate() throws {
        try SetupInput.validating(checks)
    }

    func checks() throws {
        guard !projectNumber.isEmpty, projectNumber.allSatisfy(\.isNumber) else {
            throw ValidationError(
                "--project-number \(projectNumber): the project NUMBER (gcloud projects describe PROJECT "
                    + "--format='value(projectNumber)'), not its id"
            )
        }
        guard [cluster.isSet, awsAccountId != nil, azure.isSet].filter({ $0 }).count == 1 else {
            throw ValidationError(
                "give either a cluster (--issuer, --eks-cluster or --gke-cluster, with --namespace and "
                    + "--service-account) or --aws-account-id with --aws-role-name (or --azure-tenant with "
                    + "--app-id-uri and --azure-principal-id)"
            )
        }
        if azure.isSet { _ = try azure.identity() }
        if cluster.isSet { _ = try cluster.workload() }
        if awsAccountId != nil, awsRoleName == nil { throw ValidationError("--aws-account-id needs --aws-role-name") }
        if let impersonate { try SetupInput.checkServiceAccountEmail(impersonate, flag: "--impersonate") }
    }

    func run() throws {
        let identity: GCPSetupRequest.Identity
        if azure.isSet {
            let azure = try self.azure.identity()
            identity = .azureManagedIdentity(
                tenantID: azure.tenantID,
                appIDURI: azure.appIDURI,
                principalID: azure.principalID
            )
        } else if let awsAccountId, let awsRoleName {
            identity = .awsRole(accountID: awsAccountId, roleName: awsRoleName)
        } else {
            identity = .kubernetes(try cluster.workload())
        }
        let plan = GCPSetup.plan(
            GCPSetupRequest(
                identity: identity,
                projectID: projectId,
                projectNumber: projectNumber,
                pool: pool,
                provider: provider,
                serviceAccount: impersonate,
                roles: role,
                awsRegion: awsRegion
            )
        )
        StandardStream.write(output == .json ? plan.json : plan.text, to: .standardOutput)
    }
}
