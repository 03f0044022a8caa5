import SFConfiguration
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
    /// Found by FuzzPodToAgentConfiguration: `\u{7F}reader@…` (DEL is ASCII) was admitted by the webhook,
    /// whose generated YAML the agent then refused ("control characters are not allowed").
    @Test(
        "URL delimiters, controls and DEL are refused",
        arguments: [
            "reader@p.iam.gserviceacco?unt.com", "reader@p.iam.gserviceaccount.com#x",
            "re%2Fader@p.iam.gserviceaccount.com", "a/b@p.iam.gserviceaccount.com", "a:b@p.iam.gserviceaccount.com",
            "\u{7F}reader@p.iam.gserviceaccount.com", "reader@p.iam.gserviceaccount.com\u{0}", "r\r\neader@p.iam.x",
        ]
    )
    func refused(_ text: String) {
        #expect(!ConfigurationParser.isServiceAccount(text))
    }
}
