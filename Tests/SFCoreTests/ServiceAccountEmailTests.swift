import SFCore
import Testing

struct ServiceAccountEmailTests {
    @Test("a service account email is accepted")
    func accepted() {
        #expect(ConfigurationParser.isServiceAccount("reader@my-project.iam.gserviceaccount.com"))
        #expect(ConfigurationParser.isServiceAccount("123456789-compute@developer.gserviceaccount.com"))
    }

    /// Found by FuzzValidators: `reader@p.iam.gserviceacco?unt.com` validated, and its generateIdToken URL
    /// then carried `?unt.com:generateIdToken` as a query string.
    @Test("URL delimiters are refused, since the email goes into IAM Credentials URL paths", arguments: [
        "reader@p.iam.gserviceacco?unt.com", "reader@p.iam.gserviceaccount.com#x",
        "re%2Fader@p.iam.gserviceaccount.com", "a/b@p.iam.gserviceaccount.com", "a:b@p.iam.gserviceaccount.com",
    ])
    func refused(_ text: String) {
        #expect(!ConfigurationParser.isServiceAccount(text))
    }
}
