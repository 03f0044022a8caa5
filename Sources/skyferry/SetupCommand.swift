import ArgumentParser
import SFCore
import SFDiagnostics

/// Checks of `setup` inputs that exit 2 with the input quoted and the rule it breaks.
enum SetupInput {
    /// The input as a JSON string: quoted, with control characters escaped.
    static func quoted(_ text: String) -> String { JSONText.string(text) }

    static func checkServiceAccountEmail(_ email: String, flag: String) {
        if let problem = ServiceAccountEmail.problem(email) {
            Composition.fail("\(flag) \(quoted(email)) is not a service account email: \(problem)", code: 2)
        }
    }
}

/// `skyferry setup`: print the commands and policies that create a least-privilege trust.
struct SetupCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "setup",
        abstract: "Print the aws/gcloud commands, policy documents, Skyferry configuration and pod settings for a least-privilege trust.",
        discussion: "Nothing is run or created: review the output, then run it.",
        subcommands: [SetupAWSCommand.self, SetupGCPCommand.self])
}

/// Where the workload's Kubernetes token comes from, shared by both directions.
struct ClusterOptions: ParsableArguments {
    @Option(name: .long, help: "The cluster's OIDC issuer URL (self-hosted clusters, or one already looked up).")
    var issuer: String?

    @Option(name: .long, help: "An EKS cluster name: its issuer is looked up with `aws eks describe-cluster` (needs --eks-region).")
    var eksCluster: String?

    @Option(name: .long, help: "The EKS cluster's region.")
    var eksRegion: String?

    @Option(name: .long, help: "A GKE cluster, projects/PROJECT/locations/LOCATION/clusters/CLUSTER: its issuer is derived from it.")
    var gkeCluster: String?

    @Option(name: .long, help: "The workload's Kubernetes namespace.")
    var namespace: String?

    @Option(name: .long, help: "The workload's Kubernetes service account.")
    var serviceAccount: String?

    var isSet: Bool { issuer != nil || eksCluster != nil || gkeCluster != nil }

    /// The workload, or a usage error naming the missing flag.
    func workload() throws -> KubernetesWorkload {
        let chosen = [issuer, eksCluster, gkeCluster].compactMap { $0 }
        guard chosen.count == 1 else { throw ValidationError("give exactly one of --issuer, --eks-cluster, --gke-cluster") }
        guard let namespace, let serviceAccount else { throw ValidationError("--namespace and --service-account are required with a cluster") }
        // Exit 2, as for an invalid configuration: these names are printed into commands and trust conditions.
        if let problem = KubernetesName.labelProblem(namespace) {
            let message = "--namespace \(SetupInput.quoted(namespace)) \(problem), "
                + "as Kubernetes requires of a namespace"
            Composition.fail(message, code: 2)
        }
        if let problem = KubernetesName.subdomainProblem(serviceAccount) {
            let message = "--service-account \(SetupInput.quoted(serviceAccount)) \(problem), "
                + "as Kubernetes requires of a service account name"
            Composition.fail(message, code: 2)
        }
        let clusterIssuer: ClusterIssuer
        if let issuer {
            guard issuer.hasPrefix("https://") else { throw ValidationError("--issuer \(issuer): an OIDC issuer is an https:// URL") }
            clusterIssuer = .url(issuer.hasSuffix("/") ? String(issuer.dropLast()) : issuer)
        } else if let eksCluster {
            guard let eksRegion else { throw ValidationError("--eks-cluster needs --eks-region") }
            clusterIssuer = .eks(name: eksCluster, region: eksRegion)
        } else {
            let resource = gkeCluster ?? ""
            let parts = resource.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count == 6, parts[0] == "projects", parts[2] == "locations", parts[4] == "clusters", !parts.contains(where: \.isEmpty) else {
                throw ValidationError("--gke-cluster \(resource): expected projects/PROJECT/locations/LOCATION/clusters/CLUSTER")
            }
            clusterIssuer = .gke(resource: resource)
        }
        return KubernetesWorkload(issuer: clusterIssuer, namespace: namespace, serviceAccount: serviceAccount)
    }
}

struct SetupAWSCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "aws",
        abstract: "An IAM role only this workload can assume: a Kubernetes service account (EKS, GKE, any OIDC cluster) or a Google service account (GCE/GKE ID tokens).")

    @OptionGroup var cluster: ClusterOptions

    @Option(name: .long, help: "Instead of a cluster: the Google service account whose ID tokens (GCE/GKE metadata server) assume the role.")
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
        guard accountId.count == 12, accountId.allSatisfy(\.isNumber) else { throw ValidationError("--account-id \(accountId): an AWS account id is 12 digits") }
        guard cluster.isSet != (googleServiceAccount != nil) else {
            throw ValidationError("give either a cluster (--issuer, --eks-cluster or --gke-cluster, with --namespace and --service-account) or --google-service-account")
        }
        if cluster.isSet { _ = try cluster.workload() }
        if let googleServiceAccount {
            SetupInput.checkServiceAccountEmail(googleServiceAccount, flag: "--google-service-account")
        }
    }

    func run() throws {
        let identity: AWSSetupRequest.Identity = try googleServiceAccount.map { .googleServiceAccount(email: $0, uniqueID: googleUniqueId) }
            ?? .kubernetes(cluster.workload())
        let plan = AWSSetup.plan(AWSSetupRequest(identity: identity, accountID: accountId, roleName: roleName, audience: audience,
                                                 policyARNs: policyArn, region: region))
        StandardOutput.write(output == .json ? plan.json : plan.text)
    }
}

struct SetupGCPCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gcp",
        abstract: "A workload identity pool and provider that admit only this workload (a Kubernetes service account, or an AWS role), and its bindings.")

    @OptionGroup var cluster: ClusterOptions

    @Option(name: .long, help: "Instead of a cluster: the AWS account whose role is admitted (EC2 instance profiles, EKS Pod Identity, ECS).")
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

    @Option(name: .long, help: "Impersonate this service account; without it the federated principal is granted the roles directly.")
    var impersonate: String?

    @Option(name: .long, help: "A role to grant on the project (the permissions wanted); repeatable.")
    var role: [String] = []

    @Option(name: .long, help: "Output format: text (a script to review) or json.")
    var output: ReportFormat = .text

    func validate() throws {
        guard !projectNumber.isEmpty, projectNumber.allSatisfy(\.isNumber) else {
            throw ValidationError("--project-number \(projectNumber): the project NUMBER (gcloud projects describe PROJECT --format='value(projectNumber)'), not its id")
        }
        guard cluster.isSet != (awsAccountId != nil) else {
            throw ValidationError("give either a cluster (--issuer, --eks-cluster or --gke-cluster, with --namespace and --service-account) or --aws-account-id with --aws-role-name")
        }
        if cluster.isSet { _ = try cluster.workload() }
        if awsAccountId != nil, awsRoleName == nil { throw ValidationError("--aws-account-id needs --aws-role-name") }
        if let impersonate { SetupInput.checkServiceAccountEmail(impersonate, flag: "--impersonate") }
    }

    func run() throws {
        let identity: GCPSetupRequest.Identity
        if let awsAccountId, let awsRoleName {
            identity = .awsRole(accountID: awsAccountId, roleName: awsRoleName)
        } else {
            identity = .kubernetes(try cluster.workload())
        }
        let plan = GCPSetup.plan(GCPSetupRequest(identity: identity, projectID: projectId, projectNumber: projectNumber, pool: pool,
                                                 provider: provider, serviceAccount: impersonate, roles: role, awsRegion: awsRegion))
        StandardOutput.write(output == .json ? plan.json : plan.text)
    }
}
