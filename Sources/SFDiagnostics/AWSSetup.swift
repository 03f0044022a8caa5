import SFAWS
import SFCore

/// Builds the plan for `skyferry setup aws`.
public enum AWSSetup {
    static let credentialsPath = "/var/run/skyferry/aws/credentials"

    static func configuration(_ request: AWSSetupRequest, source: AgentConfigurationDocument.Source) -> String {
        AgentConfigurationDocument(
            source: source,
            targets: [
                .init(
                    name: "aws",
                    provider: .aws(roleArn: request.roleARN, region: request.region),
                    outputs: [.awsCredentialsFile(path: credentialsPath, mode: nil)]
                )
            ]
        ).yaml
    }

    public static func plan(_ request: AWSSetupRequest) -> SetupPlan {
        var steps: [SetupPlan.Step] = []
        let trust: WebIdentityTrust
        let scenario: String
        let title: String
        let configuration: String
        var labels: [(key: String, value: String)] = []
        var annotations: [(key: String, value: String)] = []
        var tokenVolume: String?
        var notes: [String] = []
        var expands = false

        switch request.identity {
        case .kubernetes(let workload):
            if let lookup = workload.issuer.lookup {
                steps.append(lookup)
                expands = true
            }
            trust = WebIdentityTrust(
                issuer: workload.issuer.issuerURL,
                subject: workload.subject,
                audience: request.audience
            )
            switch workload.issuer {
            case .eks: scenario = "eks-to-aws"
            case .gke: scenario = "gke-to-aws"
            case .url: scenario = "kubernetes-to-aws"
            }
            title = "\(workload.subject) → \(request.roleARN)"
            steps.append(
                .command(
                    comment:
                        "Register the cluster's issuer as an IAM OIDC identity provider that accepts only the "
                        + "audience \(request.audience) (once per cluster; if it exists: aws iam "
                        + "add-client-id-to-open-id-connect-provider).",
                    command:
                        "aws iam create-open-id-connect-provider --url \(Shell.quote(workload.issuer.issuerURL)) "
                        + "--client-id-list \(Shell.quote(request.audience))"
                )
            )
            configuration = Self.configuration(request, source: .tokenFile(path: SetupDefaults.tokenPath))
            labels = [("skyferry.dev/inject", "true")]
            annotations = [("skyferry.dev/aws-role-arn", request.roleARN)]
            if let region = request.region { annotations.append(("skyferry.dev/aws-region", region)) }
            if request.audience != AWSSetupRequest.defaultAudience {
                annotations.append(("skyferry.dev/token-audience", request.audience))
            }
            tokenVolume = Self.tokenVolume(serviceAccount: workload.serviceAccount, audience: request.audience)
            notes.append(
                "Only the service account \(workload.namespace)/\(workload.serviceAccount) with audience "
                    + "\(request.audience) may assume the role."
            )
            if case .gke = workload.issuer {
                notes.append(
                    "GKE publishes the issuer's discovery document and JWKS publicly; AWS fetches them from "
                        + "\(workload.issuer.issuerURL)."
                )
            }

        case .googleServiceAccount(let email, let uniqueID):
            let id: String
            if let uniqueID {
                id = uniqueID
            } else {
                id = "${SA_UNIQUE_ID}"
                expands = true
                steps.append(
                    .command(
                        comment: "Look up the service account's unique id (the sub and azp of its ID tokens).",
                        command:
                            "SA_UNIQUE_ID=$(gcloud iam service-accounts describe \(Shell.quote(email)) "
                            + "--format='value(uniqueId)')"
                    )
                )
            }
            trust = WebIdentityTrust(
                issuer: "https://accounts.google.com",
                subject: id,
                audience: request.audience,
                authorizedParty: id
            )
            scenario = "gce-to-aws"
            title = "Google service account \(email) → \(request.roleARN)"
            configuration = Self.configuration(
                request,
                source: .gcpMetadata(audience: request.audience, serviceAccount: email)
            )
            notes.append("Google ID tokens need no IAM OIDC provider: accounts.google.com is built into IAM.")
            notes.append(
                "Only ID tokens of \(email) with audience \(request.audience) may assume the role (AWS matches "
                    + "accounts.google.com:aud against the token's azp)."
            )
            notes.append(
                "On GKE, the pod's Kubernetes service account must be bound to \(email) with Workload Identity "
                    + "(annotation iam.gke.io/gcp-service-account)."
            )

        case .azureManagedIdentity(let tenantID, let appIDURI, let principalID):
            let issuer = AzureSourceSetup.issuer(tenantID: tenantID)
            trust = WebIdentityTrust(issuer: issuer, subject: principalID, audience: appIDURI)
            scenario = "azure-to-aws"
            title = "Azure managed identity \(principalID) → \(request.roleARN)"
            steps.append(
                .command(
                    comment:
                        "Register the Entra tenant's v1 issuer as an IAM OIDC identity provider that accepts only "
                        + "the application ID URI \(appIDURI) (once per tenant; if it exists: aws iam "
                        + "add-client-id-to-open-id-connect-provider).",
                    command:
                        "aws iam create-open-id-connect-provider --url \(Shell.quote(issuer)) "
                        + "--client-id-list \(Shell.quote(appIDURI))"
                )
            )
            configuration = Self.configuration(
                request,
                source: .azureManagedIdentity(resource: appIDURI, clientId: nil)
            )
            notes.append(
                contentsOf: AzureSourceSetup.notes(tenantID: tenantID, appIDURI: appIDURI, principalID: principalID)
            )
        }

        steps.append(
            .document(
                comment:
                    "The role's trust policy: "
                    + "\(trust.conditions.map { "\($0.key) = \($0.value)" }.joined(separator: ", ")).",
                name: "trust-policy.json",
                content: trust.policyDocument(partition: request.partition, accountID: request.accountID),
                expands: expands
            )
        )
        steps.append(
            .command(
                comment: "Create the role with that trust policy.",
                command:
                    "aws iam create-role --role-name \(Shell.quote(request.roleName)) --assume-role-policy-document "
                    + "file://trust-policy.json"
            )
        )
        for arn in request.policyARNs {
            steps.append(
                .command(
                    comment: "Grant the permissions the workload needs.",
                    command:
                        "aws iam attach-role-policy --role-name \(Shell.quote(request.roleName)) --policy-arn "
                        + "\(Shell.quote(arn))"
                )
            )
        }
        if request.policyARNs.isEmpty {
            notes.append("No --policy-arn given: the role can be assumed but grants nothing yet.")
        }
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

    static func tokenVolume(serviceAccount: String, audience: String) -> String {
        """
        serviceAccountName: \(serviceAccount)
        volumes:
          - name: skyferry-token
            projected:
              sources:
                - serviceAccountToken:
                    audience: \(JSONText.string(audience))
                    expirationSeconds: \(SetupDefaults.tokenExpirationSeconds)
                    path: token
        # mounted read-only at \(SetupDefaults.tokenDirectory) in the skyferry container
        """
    }
}
