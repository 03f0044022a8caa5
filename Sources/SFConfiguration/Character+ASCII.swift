/// ASCII-only classes for names the parser checks (target names, project ids): `Character.isNumber` and
/// `isLowercase` accept far more than the APIs these names go to.
extension Character {
    var isASCIIDigit: Bool { isASCII && ("0"..."9").contains(self) }
    var isASCIILowercaseLetter: Bool { isASCII && ("a"..."z").contains(self) }
}
