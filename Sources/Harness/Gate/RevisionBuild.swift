import Foundation
import Platform

/// Builds another git revision's `flushbench` in release mode, in a folder of its own, so the
/// paired gate can run it beside the current build on the same machine.
///
/// The revision's tree is exported with `git archive` into `.build-gate-<commit>/src` (the
/// current work tree is never touched) and built with
/// `swift build -c release --scratch-path .build-gate-<commit>/build`; both are ignored by git
/// (`.build*/`) and kept, so gating against the same revision again reuses the build.
public enum RevisionBuild {
    /// Resolves `revision` in `repository`, builds it if needed and returns the path of its
    /// `flushbench` executable.
    ///
    /// - Parameters:
    ///   - log: receives progress lines.
    /// - Errors: ``GateInputError`` (code `build`) when the revision does not exist, cannot be
    ///   exported, or does not build (with the build's last lines).
    public static func build(revision: String, repository: String, log: @Sendable (String) -> Void) async throws(GateInputError) -> String {
        let commit = try await git(["-C", repository, "rev-parse", "--verify", "--quiet", "\(revision)^{commit}"],
                                   failure: "revision '\(revision)' is not a commit of \(repository)")
        guard commit.count == 40, commit.allSatisfy(\.isHexDigit) else {
            throw GateInputError(code: "build", "revision '\(revision)' is not a commit of \(repository)")
        }
        let short = String(commit.prefix(12))
        let root = "\(repository)/.build-gate-\(short)"
        let source = "\(root)/src"
        let scratch = "\(root)/build"
        let executable = "\(scratch)/release/flushbench"
        let exported = (try? await BlockingIO.run { FileManager.default.fileExists(atPath: "\(source)/Package.swift") }) ?? false
        if !exported {
            log("exporting \(revision) (\(short)) into \(source)")
            let archive = "\(root)/src.tar"
            do {
                try await BlockingIO.run { try FileManager.default.createDirectory(atPath: source, withIntermediateDirectories: true) }
            } catch {
                throw GateInputError(code: "build", "\(source): cannot create the folder for revision \(revision): \(error)")
            }
            _ = try await git(["-C", repository, "archive", "--format=tar", "-o", archive, commit],
                              failure: "cannot export revision \(revision) with git archive")
            try await step(ChildProcess("tar", ["-xf", archive, "-C", source]), failure: "cannot unpack \(archive)")
            // Pin the same dependency versions as the current tree (Package.resolved is not in git).
            _ = try? await BlockingIO.run {
                try? FileManager.default.removeItem(atPath: archive)
                let resolved = "\(repository)/Package.resolved"
                if FileManager.default.fileExists(atPath: resolved), !FileManager.default.fileExists(atPath: "\(source)/Package.resolved") {
                    try FileManager.default.copyItem(atPath: resolved, toPath: "\(source)/Package.resolved")
                }
            }
        }
        log("building \(revision) (\(short)) in release mode into \(scratch) (the first time takes minutes)")
        try await step(ChildProcess("swift", ["build", "-c", "release", "--product", "flushbench",
                                              "--package-path", source, "--scratch-path", scratch]),
                       failure: "revision \(revision) (\(short)) does not build")
        let built = (try? await BlockingIO.run { FileManager.default.isExecutableFile(atPath: executable) }) ?? false
        guard built else {
            throw GateInputError(code: "build", "\(executable): the build of revision \(revision) left no flushbench executable")
        }
        return executable
    }

    private static func git(_ arguments: [String], failure: String) async throws(GateInputError) -> String {
        let outcome = try await step(ChildProcess("git", arguments), failure: failure)
        return outcome.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @discardableResult
    private static func step(_ command: ChildProcess, failure: String) async throws(GateInputError) -> ChildProcess.Outcome {
        let outcome: ChildProcess.Outcome
        do {
            outcome = try await command.run()
        } catch {
            throw GateInputError(code: "build", "\(failure): \(error)")
        }
        guard outcome.status == 0 else {
            let tail = (outcome.standardOutput + outcome.standardError).split(separator: "\n").suffix(15).joined(separator: "\n")
            throw GateInputError(code: "build", "\(failure) (exit \(outcome.status))" + (tail.isEmpty ? "" : ":\n\(tail)"))
        }
        return outcome
    }
}
