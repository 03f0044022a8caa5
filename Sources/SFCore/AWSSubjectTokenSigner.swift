import FoundationEssentials

/// Turns AWS credentials into a subject token that another cloud's STS verifies by replaying it (GCP's
/// `aws4_request`: a SigV4-signed, unsent GetCallerIdentity). SFAWS signs (`AWSSubjectToken`); the composition
/// root hands the signer to GCP federation, so neither provider target imports the other.
public protocol AWSSubjectTokenSigner: Sendable {
    /// How long a token signed now is accepted.
    var validity: Duration { get }
    /// The serialized token for `credentials` in `region`, bound to `targetResource` (signed, so that it cannot
    /// be replayed against another), signed at `date`.
    func subjectToken(credentials: AWSCredentials, region: String, targetResource: String, date: Date) -> String
}
