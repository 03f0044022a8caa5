import SFYAML
import Testing

struct YAMLLoaderTests {
    @Test("loads mappings, lists and scalars with their lines")
    func loadsTree() throws {
        let node = try YAMLLoader().load(
            """
            source:
              tokenFile: /t
            targets:
              - name: "s3"
                n: 12
            """
        )
        guard case .mapping(let top) = node.value else {
            Issue.record("not a mapping")
            return
        }
        #expect(top.map(\.key.scalar) == ["source", "targets"])
        #expect(top[1].key.line == 3)
        guard case .sequence(let items) = top[1].value.value, case .mapping(let target) = items[0].value else {
            Issue.record("targets is not a list of mappings")
            return
        }
        #expect(target[0].value.value == .scalar("s3", quoted: true))
        #expect(target[1].value.value == .scalar("12", quoted: false))
        #expect(target[1].value.line == 5)
    }

    @Test("reports syntax errors with line and column")
    func syntaxError() {
        #expect(throws: YAMLError.self) { try YAMLLoader().load("a: [1, 2\nb: 3") }
        do {
            _ = try YAMLLoader().load("a: b\n  c: d\n")
            Issue.record("expected a syntax error")
        } catch {
            guard case .syntax(_, let line, _) = error else {
                Issue.record("wrong error \(error)")
                return
            }
            #expect(line == 2)
        }
    }

    @Test("rejects empty input and several documents")
    func emptyAndMultiple() {
        #expect(throws: YAMLError.empty) { try YAMLLoader().load("") }
        #expect(throws: YAMLError.multipleDocuments) { try YAMLLoader().load("a: 1\n---\nb: 2\n") }
    }

    @Test("bounds alias expansion (billion laughs)")
    func aliasBomb() {
        let bomb = """
            a: &a ["x","x","x","x","x","x","x","x","x"]
            b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
            c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
            d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
            e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
            """
        #expect(throws: YAMLError.tooLarge(limit: "more than 10000 nodes")) { try YAMLLoader().load(bomb) }
    }

    @Test("null spellings")
    func nulls() throws {
        let node = try YAMLLoader().load("a: ~\nb:\nc: 'null'\n")
        guard case .mapping(let pairs) = node.value else {
            Issue.record("not a mapping")
            return
        }
        #expect(pairs.map(\.value.isNull) == [true, true, false])
    }

    @Test(
        "nesting is refused at the first collection past the limit, naming the limit and its line",
        arguments: [
            (String(repeating: "[", count: 65) + String(repeating: "]", count: 65), 1),
            (
                "a:\n" + (1...70).map { String(repeating: " ", count: $0) + "k\($0):" }.joined(separator: "\n")
                    + " x\n", 65
            ),
            ("top:\n  - " + String(repeating: "- ", count: 70) + "x\n", 2),
        ]
    )
    func nestingLimit(text: String, line: Int) {
        #expect(throws: YAMLError.tooDeep(limit: 64, line: line)) { try YAMLLoader().load(text) }
    }

    @Test("64 levels of nesting still load")
    func nestingAtLimit() throws {
        let text = String(repeating: "[", count: 64) + "x" + String(repeating: "]", count: 64)
        var node = try YAMLLoader().load(text)
        var levels = 0
        while case .sequence(let items) = node.value, let first = items.first {
            levels += 1
            node = first
        }
        #expect(levels == 64 && node.value == .scalar("x", quoted: false))
    }

    @Test("60 000 levels are refused without handing them to libyaml's quadratic scanner")
    func deepNestingIsCheap() {
        let text = String(repeating: "[", count: 60_000) + String(repeating: "]", count: 60_000)
        let clock = ContinuousClock()
        let elapsed = clock.measure {
            #expect(throws: YAMLError.tooDeep(limit: 64, line: 1)) { try YAMLLoader().load(text) }
        }
        // A full libyaml load of this text takes 14-20 s on the CI machine; the guard stops after ~1 KiB.
        #expect(elapsed < .seconds(2), "took \(elapsed)")
    }

    @Test("the nesting message names the limit and the line")
    func nestingMessage() {
        #expect(
            YAMLError.tooDeep(limit: 64, line: 3).description
                == "the YAML document nests collections deeper than 64 levels (at line 3); "
                + "a configuration needs a handful. Check for runaway brackets or indentation."
        )
    }
}
