import SFAWS
import Testing

struct XMLDocumentTests {
    static func parse(_ text: String) throws -> XMLElement { try XMLDocument.parse(Array(text.utf8)) }

    @Test("entities, character references, CDATA, comments and the declaration")
    func features() throws {
        let root = try Self.parse(
            "<?xml version=\"1.0\"?>\n<!-- c --><a x=\"1\" y='2'><b>&lt;&amp;&gt;&quot;&apos;&#65;&#x42;</b><!-- c "
                + "--><c><![CDATA[<raw>]]></c><d/></a>"
        )
        #expect(root.text(at: "b") == "<&>\"'AB")
        #expect(root.text(at: "c") == "<raw>")
        #expect(root.child("d") == XMLElement(name: "d"))
    }

    @Test("namespace prefixes are ignored when looking up children")
    func prefixes() throws {
        #expect(try Self.parse("<s:a xmlns:s=\"u\"><s:b>v</s:b></s:a>").text(at: "b") == "v")
    }

    @Test(
        "malformed documents are errors",
        arguments: [
            "", "<a>", "<a></b>", "<a>&bogus;</a>", "<a><b></a>", "text", "<a></a><b></b>", "<!DOCTYPE a><a/>",
            "<a x=1/>", "<a>&#xFFFFFFFF;</a>",
        ]
    )
    func malformed(text: String) {
        #expect(throws: XMLParseError.self) { try Self.parse(text) }
    }

    @Test("deep nesting is bounded")
    func depth() {
        let deep = String(repeating: "<a>", count: 100) + String(repeating: "</a>", count: 100)
        #expect(throws: XMLParseError.self) { try Self.parse(deep) }
    }
}
