import FoundationEssentials
import SFAWS
import SFAzure
import SFCore
import SFGCP

/// The exchange step: the STS's answer, its likely cause and the fix, from `STSError`/`GCPError`'s own
/// `cause` and `remedy` (one table of hints, shared with the agent's error messages).
extension DoctorChecks {
    /// A successful exchange: what was obtained and until when (never the credentials).
    public static func exchangeSucceeded(
        _ credentials: IssuedCredentials,
        provider: ProviderConfiguration
    ) -> DiagnosticStep {
        let until = Timestamp.formatISO8601(credentials.expiration)
        switch credentials {
        case .aws(let aws):
            return .pass(
                "exchange",
                "AssumeRoleWithWebIdentity succeeded as \(aws.assumedRoleARN ?? "the role"); credentials valid until"
                    + " \(until) (not written)"
            )
        case .gcp(let gcp):
            let who = gcp.serviceAccount.map { "impersonated \($0)" } ?? "federated access token"
            return .pass("exchange", "GCP token exchange succeeded (\(who)); valid until \(until) (not written)")
        case .azure(let azure):
            guard !azure.tokens.isEmpty else {
                return .pass(
                    "exchange",
                    "assertion valid until \(until); Entra ID not asked (no resources to fetch at every refresh)"
                )
            }
            let resources = azure.tokens.keys.sorted().joined(separator: ", ")
            return .pass(
                "exchange",
                "Entra ID issued access tokens for \(resources); valid until \(until) (not written)"
            )
        }
    }

    /// A failed exchange, named by the service's code and explained.
    public static func exchangeFailed(_ error: any Error, provider: ProviderConfiguration) -> DiagnosticStep {
        switch error {
        case let sts as STSError:
            var fix = sts.remedy
            var detail = "\(sts)"
            if case .service(let context, let status, let code, let message, _) = sts {
                detail = "AWS STS answered \(code) (HTTP \(status)): \(message)"
                // The whole trust policy this token needs, ready to paste, for the rejections trust decides.
                let trustRelated =
                    code == "AccessDenied"
                    || (code == "InvalidIdentityToken" && !message.contains("Couldn't retrieve verification key"))
                if trustRelated, case .aws(let aws) = provider {
                    let role = IAMRoleARN(aws.roleArn)
                    let document = context.requiredTrust.policyDocument(
                        partition: role?.partition.name ?? "aws",
                        accountID: role?.accountID ?? "ACCOUNT"
                    )
                    let roleName = role?.roleName ?? "ROLE"
                    fix =
                        (fix.map { $0 + "\n" } ?? "")
                        + "Trust policy for this token (aws iam update-assume-role-policy --role-name \(roleName) "
                        + "--policy-document file://trust-policy.json):\n"
                        + document
                }
            }
            return DiagnosticStep(
                check: "exchange",
                status: .fail,
                detail: detail,
                cause: sts.cause ?? "AWS STS refused the exchange",
                fix: fix
            )
        case let gcp as GCPError:
            let detail: String
            switch gcp {
            case .sts(_, let status, let code, let description):
                detail = "GCP STS answered \(code) (HTTP \(status)): \(description)"
            case .iam(_, let status, let message, let reason):
                detail = "IAM Credentials answered \(reason) (HTTP \(status)): \(message)"
            default:
                detail = "\(gcp)"
            }
            return DiagnosticStep(
                check: "exchange",
                status: .fail,
                detail: detail,
                cause: gcp.cause ?? "GCP refused the exchange",
                fix: gcp.remedy
            )
        case let entra as EntraError:
            var detail = "\(entra)"
            if case .service(_, let answer) = entra {
                let code = answer.code.map { "AADSTS\($0)" } ?? answer.error
                detail = "Entra ID answered \(code) (\(answer.error), HTTP \(answer.status)): \(answer.summary)"
                if let trace = answer.traceId { detail += " (trace id \(trace))" }
            }
            return DiagnosticStep(
                check: "exchange",
                status: .fail,
                detail: detail,
                cause: entra.cause ?? "Entra ID refused the exchange",
                fix: entra.remedy
            )
        default:
            return DiagnosticStep(
                check: "exchange",
                status: .fail,
                detail: "\(error)",
                cause: "the exchange failed before an STS answered"
            )
        }
    }
}
