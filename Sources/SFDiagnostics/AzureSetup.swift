import SFCore

/// Builds the plan for `skyferry setup azure`.
public enum AzureSetup {
    /// Where the generated configuration's managed-identity endpoint listens (the webhook's port too).
    static let endpointListen = "127.0.0.1:9912"
    /// Where the agent writes the endpoint's random secret, for `IDENTITY_HEADER`.
    static let secretFile = "/var/run/skyferry/azure/identity-header"
    static let credentialDocument = "skyferry-federated-credential.json"
    static let tokenPolicyDocument = "skyferry-get-web-identity-token.json"
    static let tokenPolicyName = "skyferry-azure-assertion"

    public static func plan(_ request: AzureSetupRequest) -> SetupPlan {
        var steps: [SetupPlan.Step] = []
        var notes: [String] = []
        var labels: [(key: String, value: String)] = []
        var annotations: [(key: String, value: String)] = []
        var tokenVolume: String?
        var expands = false
        let scenario: String
        let title: String
        let source: AgentConfigurationDocument.Source
        let target = identityName(request.identity)

        switch request.source {
        case .kubernetes(let workload):
            if let lookup = workload.issuer.lookup {
                steps.append(lookup)
                expands = true
            }
            switch workload.issuer {
            case .eks: scenario = "eks-to-azure"
            case .gke: scenario = "gke-to-azure"
            case .url: scenario = "kubernetes-to-azure"
            }
            title = "\(workload.subject) → \(target)"
            source = .tokenFile(path: SetupDefaults.tokenPath)
            labels = [("skyferry.dev/inject", "true")]
            annotations = [
                ("skyferry.dev/azure-client-id", request.clientId), ("skyferry.dev/azure-tenant-id", request.tenantId),
            ]
            tokenVolume = AWSSetup.tokenVolume(serviceAccount: workload.serviceAccount, audience: request.audience)
            if request.cloud != .public {
                notes.append("The webhook's configuration must say azure: {cloud: \(request.cloud)}.")
            }

        case .gcpServiceAccount(let id):
            scenario = "gcp-to-azure"
            title = "Google service account \(id) → \(target)"
            source = .gcpMetadata(audience: request.audience, serviceAccount: nil)
            notes.append(
                "The subject is the service account's numeric unique id: gcloud iam service-accounts describe "
                    + "EMAIL --format='value(uniqueId)'."
            )

        case .awsRole(let arn, let issuer, let region):
            scenario = "aws-to-azure"
            title = "AWS role \(arn) → \(target)"
            source = .aws(region: region)
            steps.append(
                .command(
                    comment:
                        "Turn on IAM outbound identity federation (once per account; FeatureEnabled means it is on).",
                    command: "aws iam enable-outbound-web-identity-federation"
                )
            )
            if issuer == nil {
                steps.append(
                    .command(
                        comment: "The account's token issuer (https://ID.tokens.sts.global.api.aws).",
                        command:
                            "ISSUER_URL=$(aws iam get-outbound-web-identity-federation-info --query IssuerIdentifier "
                            + "--output text)"
                    )
                )
                expands = true
            }
            steps.append(
                .document(
                    comment:
                        "Let the role ask STS for tokens for the audience \(request.audience) only, for at most an "
                        + "hour.",
                    name: tokenPolicyDocument,
                    content: tokenPolicy(audience: request.audience),
                    expands: false
                )
            )
            steps.append(
                .command(
                    comment: "Attach it to the role \(arn.roleName).",
                    command:
                        "aws iam put-role-policy --role-name \(Shell.quote(arn.roleName)) --policy-name "
                        + "\(tokenPolicyName) --policy-document file://\(tokenPolicyDocument)"
                )
            )
            notes.append(
                "Every workload with the role \(arn.roleName) becomes this Entra identity (the token's sub is the "
                    + "role ARN): give the role to this workload only."
            )
        }

        steps += credentialSteps(request, expands: expands)
        if !request.roles.isEmpty, let scope = request.scope {
            for role in request.roles {
                steps.append(
                    .command(
                        comment: "Grant the identity what the workload needs, at \(scope).",
                        command:
                            "az role assignment create --assignee \(Shell.quote(request.clientId)) --role "
                            + "\(Shell.quote(role)) --scope \(Shell.quote(scope))"
                    )
                )
            }
        } else {
            notes.append("No --role given: the workload is admitted but granted nothing yet.")
        }
        notes.append(
            "Entra ID takes a few seconds to see a new credential: until then exchanges fail with AADSTS70021."
        )

        let configuration = AgentConfigurationDocument(
            source: source,
            targets: [
                .init(
                    name: "azure",
                    provider: .azure(
                        tenantId: request.tenantId,
                        clientId: request.clientId,
                        cloud: request.cloud == .public ? nil : request.cloud.rawValue,
                        authorityHost: nil,
                        resources: [],
                        audience: nil
                    ),
                    outputs: [
                        .azureManagedIdentityEndpoint(
                            listen: endpointListen,
                            secretFile: secretFile,
                            secretFileMode: nil,
                            secret: nil,
                            imdsPath: false
                        )
                    ]
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

    static func identityName(_ identity: AzureSetupRequest.Identity) -> String {
        switch identity {
        case .managedIdentity(let name, let group): return "managed identity \(name) (\(group))"
        case .application(let appId): return "app \(appId)"
        }
    }

    /// The federated identity credential: one issuer, one subject, one audience.
    static func credentialSteps(_ request: AzureSetupRequest, expands: Bool) -> [SetupPlan.Step] {
        let name = request.resolvedCredentialName
        let comment =
            "A federated identity credential that admits only issuer \(request.issuer), subject "
            + "\(request.subject), audience \(request.audience)."
        switch request.identity {
        case .managedIdentity(let identity, let group):
            return [
                .command(
                    comment: comment,
                    command:
                        "az identity federated-credential create --name \(Shell.quote(name)) --identity-name "
                        + "\(Shell.quote(identity)) --resource-group \(Shell.quote(group)) --issuer "
                        + "\(Shell.quote(request.issuer)) --subject \(Shell.quote(request.subject)) --audience "
                        + Shell.quote(request.audience)
                )
            ]
        case .application(let appId):
            let content = """
                {
                  "name": \(JSONText.string(name)),
                  "issuer": \(JSONText.string(request.issuer)),
                  "subject": \(JSONText.string(request.subject)),
                  "audiences": [\(JSONText.string(request.audience))]
                }
                """
            return [
                .document(comment: comment, name: credentialDocument, content: content, expands: expands),
                .command(
                    comment: "Add it to the app registration.",
                    command:
                        "az ad app federated-credential create --id \(Shell.quote(appId)) --parameters "
                        + credentialDocument
                ),
            ]
        }
    }

    /// `sts:GetWebIdentityToken` for this one audience and at most an hour (the agent asks for an hour or less).
    static func tokenPolicy(audience: String) -> String {
        """
        {
          "Version": "2012-10-17",
          "Statement": [
            {
              "Effect": "Allow",
              "Action": "sts:GetWebIdentityToken",
              "Resource": "*",
              "Condition": {
                "ForAllValues:StringEquals": {"sts:IdentityTokenAudience": \(JSONText.string(audience))},
                "Null": {"sts:IdentityTokenAudience": "false"},
                "NumericLessThanEquals": {"sts:DurationSeconds": "3600"}
              }
            }
          ]
        }
        """
    }
}
