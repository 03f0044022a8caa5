import ArgumentParser
import SFCore
import SFConsole
import SFDiagnostics

/// `skyferry setup azure`.
struct SetupAzureCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "azure",
        abstract:
            "A federated identity credential on a managed identity or app registration that admits only this "
            + "workload (a Kubernetes service account, a Google service account or an AWS role), and its role "
            + "assignments."
    )

    @OptionGroup var cluster: ClusterOptions

    @Option(
        name: .long,
        help: "Instead of a cluster: the numeric unique id of the Google service account whose ID tokens are admitted."
    )
    var gcpServiceAccountId: String?

    @Option(
        name: .long,
        help: "Instead of a cluster: the AWS role whose GetWebIdentityToken JWTs are admitted (outbound federation)."
    )
    var awsRoleArn: String?

    @Option(
        name: .long,
        help: "The AWS account's token issuer (https://ID.tokens.sts.global.api.aws); without it, it is looked up."
    )
    var awsIssuer: String?

    @Option(name: .long, help: "The region whose STS the agent asks for tokens (AWS roles).")
    var awsRegion: String?

    @Option(name: .long, help: "The directory (tenant) id, or a tenant domain such as contoso.onmicrosoft.com.")
    var tenantId: String

    @Option(name: .long, help: "The client id of the managed identity (with --identity-name).")
    var clientId: String?

    @Option(name: .long, help: "A user-assigned managed identity to add the credential to (with --resource-group).")
    var identityName: String?

    @Option(name: .long, help: "The managed identity's resource group.")
    var resourceGroup: String?

    @Option(name: .long, help: "Instead of a managed identity: an app registration's application (client) id.")
    var appId: String?

    @Option(name: .long, help: "The Entra ID cloud: public, usgov or china (sets the credential's audience).")
    var cloud: AzureCloud = .public

    @Option(name: .long, help: "The federated identity credential's name; default: derived from the workload.")
    var credentialName: String?

    @Option(name: .long, help: "An Azure role to assign at --scope (the permissions wanted); repeatable.")
    var role: [String] = []

    @Option(name: .long, help: "The scope of the role assignments (/subscriptions/ID/resourceGroups/NAME…).")
    var scope: String?

    @Option(name: .long, help: "Output format: text (a script to review) or json.")
    var output: ReportFormat = .text

    func validate() throws {
        try SetupInput.validating(checks)
    }

    func checks() throws {
        let sources = [cluster.isSet, gcpServiceAccountId != nil, awsRoleArn != nil].filter { $0 }.count
        guard sources == 1 else {
            throw ValidationError(
                "give one source: a cluster (--issuer, --eks-cluster or --gke-cluster, with --namespace and "
                    + "--service-account), --gcp-service-account-id, or --aws-role-arn"
            )
        }
        guard (identityName != nil) != (appId != nil) else {
            throw ValidationError(
                "give one identity: --identity-name with --resource-group and --client-id (a user-assigned managed "
                    + "identity), or --app-id (an app registration)"
            )
        }
        if identityName != nil {
            if resourceGroup == nil { throw ValidationError("--identity-name needs --resource-group") }
            if clientId == nil { throw ValidationError("--identity-name needs --client-id (az identity show)") }
        }
        if !role.isEmpty && scope == nil { throw ValidationError("--role needs --scope") }
        if cluster.isSet { _ = try cluster.workload() }
        try SetupInput.check(
            tenantId,
            flag: "--tenant-id",
            { AzureNames.tenantIdProblem($0) == nil },
            expected: "a GUID "
                + "(the directory id) or a tenant domain such as contoso.onmicrosoft.com"
        )
        for (flag, value) in [("--client-id", clientId), ("--app-id", appId)] {
            if let value {
                try SetupInput.check(value, flag: flag, AzureNames.isGUID, expected: "a GUID")
            }
        }
        if let gcpServiceAccountId {
            try SetupInput.check(
                gcpServiceAccountId,
                flag: "--gcp-service-account-id",
                { !$0.isEmpty && $0.count <= 30 && $0.allSatisfy { $0.isASCII && $0.isNumber } },
                expected: "the numeric unique id (gcloud iam service-accounts describe EMAIL "
                    + "--format='value(uniqueId)'), not the email"
            )
        }
        if let awsRoleArn {
            try SetupInput.check(
                awsRoleArn,
                flag: "--aws-role-arn",
                { IAMRoleARN($0) != nil },
                expected: "an IAM role ARN, arn:PARTITION:iam::ACCOUNT:role/NAME"
            )
        }
        if let awsIssuer {
            try SetupInput.check(
                awsIssuer,
                flag: "--aws-issuer",
                { (try? Endpoint(parsing: $0))?.scheme == .https },
                expected: "an https URL such as https://ID.tokens.sts.global.api.aws"
            )
        }
    }

    func run() throws {
        let source: AzureSetupRequest.Source
        if let gcpServiceAccountId {
            source = .gcpServiceAccount(uniqueId: gcpServiceAccountId)
        } else if let awsRoleArn, let arn = IAMRoleARN(awsRoleArn) {
            source = .awsRole(arn: arn, issuer: awsIssuer, region: awsRegion)
        } else {
            source = .kubernetes(try cluster.workload())
        }
        let identity: AzureSetupRequest.Identity
        if let identityName, let resourceGroup {
            identity = .managedIdentity(name: identityName, resourceGroup: resourceGroup)
        } else {
            identity = .application(appId: appId ?? "")
        }
        let plan = AzureSetup.plan(
            AzureSetupRequest(
                source: source,
                identity: identity,
                tenantId: tenantId,
                clientId: clientId ?? appId ?? "",
                cloud: cloud,
                credentialName: credentialName,
                roles: role,
                scope: scope
            )
        )
        StandardStream.write(output == .json ? plan.json : plan.text, to: .standardOutput)
    }
}
