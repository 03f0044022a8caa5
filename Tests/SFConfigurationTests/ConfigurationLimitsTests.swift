import SFConfiguration
import SFCore
import Testing

/// One size cap for files and `SKYFERRY_CONFIG_YAML`; nesting bounded before libyaml builds a document.
struct ConfigurationLimitsTests {
    @Test("a configuration over 64 KiB is refused before it is parsed, whatever it holds")
    func sizeCap() {
        let padding = "\n#" + String(repeating: "x", count: ConfigurationParser.maxBytes)
        let minimal = ConfigurationParserTests.minimal
        let text = minimal + padding
        let expected = ConfigurationError.tooLarge(path: "$SKYFERRY_CONFIG_YAML", size: text.utf8.count, limit: 65536)
        #expect(throws: expected) {
            try ConfigurationParser().parse(text, origin: "$SKYFERRY_CONFIG_YAML")
        }
        let exact = minimal + "\n#" + String(repeating: "x", count: 65536 - minimal.utf8.count - 2)
        #expect(exact.utf8.count == 65536)
        #expect(throws: Never.self) { try ConfigurationParser().parse(exact, origin: "c.yaml") }
        #expect(
            ConfigurationError.tooLarge(path: "c.yaml", size: 65537, limit: 65536).description
                == "configuration c.yaml is too large (65537 bytes or more; the limit is 65536 bytes). "
                + "Is it the right file? A configuration is a few KiB."
        )
    }

    @Test("deep nesting is refused with the limit and the line, not after libyaml has chewed on it")
    func nesting() {
        let text = "source:\n  tokenFile: " + String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        #expect(
            ConfigurationParserTests.rejection(text) == "configuration file c.yaml is not valid YAML: "
                + "the YAML document nests collections deeper than 64 levels (at line 2); a configuration needs a "
                + "handful. "
                + "Check for runaway brackets or indentation."
        )
    }
}
