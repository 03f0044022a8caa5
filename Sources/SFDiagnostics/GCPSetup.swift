import SFCore
import SFGCP

/// Builds the plan for `skyferry setup gcp`.
public enum GCPSetup {
    /// Google's documented mapping for AWS providers: the role ARN without the session name.
    public static let awsRoleMapping =
        "google.subject=assertion.arn,attribute.aws_role=assertion.arn.contains('assumed-role') ? "
        + "assertion.arn.extract('{account_arn}assumed-role/') + 'assumed-role/' + "
        + "assertion.arn.extract('assumed-role/{role_name}/') : assertion.arn"

    public static func plan(_ request: GCPSetupRequest) -> SetupPlan {
        var steps: [SetupPlan.Step] = []
        var notes: [String] = []
        var labels: [(key: String, value: String)] = []
        var annotations: [(key: String, value: String)] = []
        var tokenVolume: String?
        let project = Shell.quote(request.projectID)
        let location = "--project=\(project) --location=global"
        let scenario: String
        let title: String
        let member: String
        let source: AgentConfigurationDocument.Source

        switch request.identity {
        case .kubernetes(let workload):
            if let lookup = workload.issuer.lookup { steps.append(lookup) }
            switch workload.issuer {
            case .eks: scenario = "eks-to-gcp"
            case .gke: scenario = "gke-to-gcp"
            case .url: scenario = "kubernetes-to-gcp"
            }
            title = "\(workload.subject) → \(request.audience)"
            member = GCPPrincipal.subject(workload.subject, audience: request.audience)
            steps.append(poolStep(request, location: location))
            let condition = "assertion.sub == '\(workload.subject)'"
            steps.append(
                .command(
                    comment: "An OIDC provider for the cluster's issuer that admits only \(workload.subject).",
                    command:
                        "gcloud iam workload-identity-pools providers create-oidc \(Shell.quote(request.provider)) "
                        + "\(location) --workload-identity-pool=\(Shell.quote(request.pool)) "
                        + "--issuer-uri=\(Shell.quote(workload.issuer.issuerURL)) "
                        + "--attribute-mapping=google.subject=assertion.sub "
                        + "--attribute-condition=\(Shell.quote(condition))"
                )
            )
            source = .tokenFile(path: SetupDefaults.tokenPath)
            labels = [("skyferry.dev/inject", "true")]
            annotations = [("skyferry.dev/gcp-audience", request.audience)]
            if let sa = request.serviceAccount { annotations.append(("skyferry.dev/gcp-service-account", sa)) }
            annotations.append(("skyferry.dev/token-audience", request.tokenAudience))
            tokenVolume = AWSSetup.tokenVolume(serviceAccount: workload.serviceAccount, audience: request.tokenAudience)
            notes.append(
                "Only the service account \(workload.namespace)/\(workload.serviceAccount) is admitted (attribute "
                    + "condition on assertion.sub)."
            )
            notes.append(
                "The projected token's audience must be \(request.tokenAudience) (the provider's default allowed "
                    + "audience)."
            )

        case .awsRole(let accountID, let roleName):
            scenario = "aws-to-gcp"
            let roleARN = IAMRoleARN.assumedRoleText(partition: "aws", accountID: accountID, roleName: roleName)
            title = "AWS role \(roleName) in \(accountID) → \(request.audience)"
            member = GCPPrincipal.attribute("aws_role", value: roleARN, audience: request.audience)
            steps.append(poolStep(request, location: location))
            let condition = "attribute.aws_role == '\(roleARN)'"
            steps.append(
                .command(
                    comment:
                        "An AWS provider for account \(accountID) that admits only the role \(roleName) (any session).",
                    command:
                        "gcloud iam workload-identity-pools providers create-aws \(Shell.quote(request.provider)) "
                        + "\(location) --workload-identity-pool=\(Shell.quote(request.pool)) "
                        + "--account-id=\(Shell.quote(accountID)) --attribute-mapping=\(Shell.quote(awsRoleMapping))"
                        + " --attribute-condition=\(Shell.quote(condition))"
                )
            )
            source = .aws(region: request.awsRegion)
            let role = IAMRoleARN.text(partition: "aws", accountID: accountID, roleName: roleName)
            notes.append(
                "Only sessions of \(role) are admitted "
                    + "(attribute condition on the mapped attribute.aws_role)."
            )

        case .azureManagedIdentity(let tenantID, let appIDURI, let principalID):
            scenario = "azure-to-gcp"
            title = "Azure managed identity \(principalID) → \(request.audience)"
            member = GCPPrincipal.subject(principalID, audience: request.audience)
            steps.append(poolStep(request, location: location))
            let condition = "assertion.sub == '\(principalID)'"
            steps.append(
                .command(
                    comment:
                        "An OIDC provider for the Entra tenant \(tenantID) that accepts tokens for \(appIDURI) and "
                        + "admits only the managed identity \(principalID).",
                    command:
                        "gcloud iam workload-identity-pools providers create-oidc \(Shell.quote(request.provider)) "
                        + "\(location) --workload-identity-pool=\(Shell.quote(request.pool)) "
                        + "--issuer-uri=\(Shell.quote(AzureSourceSetup.issuer(tenantID: tenantID))) "
                        + "--allowed-audiences=\(Shell.quote(appIDURI)) "
                        + "--attribute-mapping=google.subject=assertion.sub "
                        + "--attribute-condition=\(Shell.quote(condition))"
                )
            )
            source = .azureManagedIdentity(resource: appIDURI, clientId: nil)
            notes.append(
                contentsOf: AzureSourceSetup.notes(tenantID: tenantID, appIDURI: appIDURI, principalID: principalID)
            )
        }

        if let sa = request.serviceAccount {
            steps.append(
                .command(
                    comment: "Let the federated identity impersonate \(sa).",
                    command:
                        "gcloud iam service-accounts add-iam-policy-binding \(Shell.quote(sa)) --project=\(project) "
                        + "--role=roles/iam.workloadIdentityUser --member=\(Shell.quote(member))"
                )
            )
            for role in request.roles {
                steps.append(
                    .command(
                        comment: "Grant the service account the permissions the workload needs.",
                        command:
                            "gcloud projects add-iam-policy-binding \(project) --role=\(Shell.quote(role)) "
                            + "--member=\(Shell.quote("serviceAccount:" + sa))"
                    )
                )
            }
        } else {
            for role in request.roles {
                steps.append(
                    .command(
                        comment: "Grant the federated identity the permissions it needs directly (no service account).",
                        command:
                            "gcloud projects add-iam-policy-binding \(project) --role=\(Shell.quote(role)) "
                            + "--member=\(Shell.quote(member))"
                    )
                )
            }
            notes.append(
                "Without --impersonate the workload acts as \(member); some Google APIs do not accept federated "
                    + "principals yet."
            )
        }
        if request.roles.isEmpty { notes.append("No --role given: the identity is admitted but granted nothing yet.") }

        let configuration = AgentConfigurationDocument(
            source: source,
            targets: [
                .init(
                    name: "gcp",
                    provider: .gcp(audience: request.audience, serviceAccount: request.serviceAccount),
                    outputs: [.gcpExternalAccountFile(path: "/var/run/skyferry/gcp/credentials.json", mode: nil)]
                )
            ]
        ).yaml
        return SetupPlan(
            scenario: scenario,
            title: title,
            steps: steps,
            configuration: configuration,
            labels: labels,
            annotations: annotations,
            tokenVolume: tokenVolume,
            notes: notes
        )
    }

    static func poolStep(_ request: GCPSetupRequest, location: String) -> SetupPlan.Step {
        .command(
            comment: "A workload identity pool for Skyferry's workloads (once per project).",
            command:
                "gcloud iam workload-identity-pools create \(Shell.quote(request.pool)) \(location) "
                + "--display-name=Skyferry"
        )
    }
}
