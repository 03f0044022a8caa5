import SFCore
import SFWebhook
import Testing

struct JSONValueTests {
    @Test("parsing then serializing keeps member order and number text")
    func roundTrip() throws {
        let text = #"{"b":1.50,"a":[true,false,null,-0,1e+3,"x"],"c":{"d":"\u00e9\/\n"},"e":{}}"#
        let value = try JSONValue(parsing: Array(text.utf8))
        #expect(value.serialized == #"{"b":1.50,"a":[true,false,null,-0,1e+3,"x"],"c":{"d":"é/\n"},"e":{}}"#)
        #expect(try JSONValue(parsing: Array(value.serialized.utf8)) == value)
    }

    @Test("surrogate pairs decode to one scalar")
    func surrogates() throws {
        #expect(try JSONValue(parsing: Array(#""\ud83d\ude00""#.utf8)) == .string("😀"))
    }

    @Test(
        "malformed JSON is rejected with the offset",
        arguments: [
            ("", 0, "unexpected end of input, expected a value"),
            ("{\"a\":1,\"a\":2}", 7, "duplicate member name \"a\""),
            ("[1,]", 3, "unexpected character, expected a value"),
            ("01", 1, "unexpected content after the JSON value"),
            ("\"\\ud800\"", 7, "lone high surrogate in a string escape"),
            ("\"a\nb\"", 2, "control character in a string (must be escaped)"),
            ("[1 2]", 3, "expected ',' or ']' in an array"),
            ("-", 1, "expected digits in a number"),
            ("1.", 2, "expected digits after '.' in a number"),
        ]
    )
    func rejects(text: String, offset: Int, reason: String) {
        #expect(throws: JSONParseError(offset: offset, reason: reason)) { try JSONValue(parsing: Array(text.utf8)) }
    }

    @Test("invalid UTF-8 in a string is rejected")
    func invalidUTF8() {
        #expect(throws: JSONParseError.self) { try JSONValue(parsing: [0x22, 0xC3, 0x28, 0x22]) }
    }

    @Test("nesting is bounded")
    func depth() {
        let deep = String(repeating: "[", count: 200) + String(repeating: "]", count: 200)
        #expect(throws: JSONParseError(offset: 128, reason: "nesting deeper than 128 levels")) {
            try JSONValue(parsing: Array(deep.utf8))
        }
    }

    @Test("JSON Pointer tokens escape ~ and /")
    func pointerEscape() {
        #expect(JSONPatchOperation.escape("skyferry.dev/status") == "skyferry.dev~1status")
        #expect(JSONPatchOperation.escape("a~b/c") == "a~0b~1c")
    }
}

extension JSONValueTests {
    @Test("string escaping matches JSONText byte for byte")
    func escapingMatchesJSONText() {
        let samples = [
            "plain", "quote \" and \\ backslash", "line\nbreak\r\ttab", "\u{01}\u{1f}\u{7f}", "é 😀 /", "",
        ]
        for text in samples {
            #expect(JSONValue.string(text).serialized == JSONText.string(text))
        }
    }
}

extension JSONValueTests {
    @Test("escapes between runs of multi-byte text decode in place")
    func escapesBetweenRuns() throws {
        #expect(try JSONValue(parsing: Array(#""é\"😀\\x\u0041\n""#.utf8)) == .string("é\"😀\\xA\n"))
        #expect(try JSONValue(parsing: Array(#""\t""#.utf8)) == .string("\t"))
        #expect(try JSONValue(parsing: Array(#""""#.utf8)) == .string(""))
    }

    @Test("invalid UTF-8 is reported at the start of its run, before and after an escape")
    func invalidUTF8Offsets() {
        // "ab<C3 28>": the run starts at byte 1, after the quote.
        #expect(throws: JSONParseError(offset: 1, reason: "string is not valid UTF-8")) {
            try JSONValue(parsing: [0x22, 0x61, 0x62, 0xC3, 0x28, 0x22])
        }
        // "\n<FF>": the run after the escape starts at byte 3.
        #expect(throws: JSONParseError(offset: 3, reason: "string is not valid UTF-8")) {
            try JSONValue(parsing: [0x22, 0x5C, 0x6E, 0xFF, 0x22])
        }
    }

    @Test("duplicate member names are found in small and in large objects", arguments: [2, 15, 16, 17, 40])
    func duplicatesAtEverySize(members: Int) {
        let names = (0..<members).map { "\"k\($0)\":\($0)" }
        let unique = "{" + names.joined(separator: ",") + "}"
        #expect(throws: Never.self) { try JSONValue(parsing: Array(unique.utf8)) }
        for duplicate in [0, members - 1] {
            let text = "{" + names.joined(separator: ",") + ",\"k\(duplicate)\":0}"
            let offset = unique.utf8.count
            #expect(throws: JSONParseError(offset: offset, reason: "duplicate member name \"k\(duplicate)\"")) {
                try JSONValue(parsing: Array(text.utf8))
            }
        }
    }
}
