/// Input the gate cannot compare: a missing or malformed result file, a thresholds file with a
/// typo, a baseline and a current set that do not describe the same runs, a revision that does
/// not build.
///
/// The gate exits with status 2 on this error; every problem found is listed, each naming the
/// file (or revision) it is about.
public struct GateInputError: Error, Sendable, CustomStringConvertible {
    /// A stable label, safe as a metrics label: `missing`, `malformed`, `mismatch`, `thresholds`,
    /// `build`, `run`.
    public var code: String
    /// One line per problem, each naming its file.
    public var problems: [String]

    public init(code: String, problems: [String]) {
        self.code = code
        self.problems = problems
    }

    public init(code: String, _ problem: String) {
        self.init(code: code, problems: [problem])
    }

    public var description: String {
        problems.count == 1 ? "invalid input: \(problems[0])" : "invalid input:\n" + problems.map { "  - \($0)" }.joined(separator: "\n")
    }
}
