import Foundation
import ObjectStore
import Platform
import WriteCache

/// The remote checks of a multi-node run, once over the union of every node's objects: each
/// acknowledged object is on the store with the size and checksum written, and nothing else is
/// under the nodes' prefixes but the known orphans they recorded. Then, unless kept, it removes
/// what the nodes wrote.
public enum NodeUnionChecks {
    /// Runs the checks against `store` for the nodes of `merged` and returns them.
    static func run(_ merged: RunResult, store: any ObjectStore) async -> [CheckResult] {
        let prefixes = (merged.nodes ?? []).compactMap(\.remotePrefix)
        let expected = Dictionary(merged.objects.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
        let known = Set(merged.knownOrphans.map(\.key))
        var present: Set<String> = []
        var unknown: [String] = []
        var listFailures: [String] = []
        for prefix in prefixes {
            do {
                present.formUnion(try await store.list(prefix: prefix).map(\.key))
                for upload in try await store.incompleteUploads(prefix: prefix) where !known.contains(upload.key) {
                    unknown.append("\(upload.key) (incomplete upload \(upload.uploadID))")
                }
            } catch {
                listFailures.append("cannot list '\(prefix)': \(error.message)")
            }
        }
        let missing = Set(expected.keys).subtracting(present).sorted()
        unknown += present.subtracting(expected.keys).filter { !known.contains($0) }.sorted()
        var corrupt: [String] = []
        var verified = 0
        for object in merged.objects where present.contains(object.key) {
            do {
                let digest = try await RunChecks.remoteDigest(object.key, store: store)
                verified += 1
                if digest.size != object.bytes || digest.checksum.value != object.checksum {
                    corrupt.append("\(object.key) (\(digest.size) bytes, expected \(object.bytes))")
                }
            } catch {
                corrupt.append("\(object.key) (cannot read it back: \(error))")
            }
        }
        let nodes = prefixes.count
        return [
            CheckResult(name: "union/acknowledged-objects-present", passed: missing.isEmpty && listFailures.isEmpty,
                        detail: !listFailures.isEmpty ? listFailures.joined(separator: "; ")
                            : missing.isEmpty ? "all \(expected.count) object(s) acknowledged by \(nodes) node(s) are on the remote"
                            : "\(missing.count) acknowledged object(s) are missing (lost): \(missing.prefix(5).joined(separator: ", "))"),
            CheckResult(name: "union/no-unknown-orphans", passed: unknown.isEmpty && listFailures.isEmpty,
                        detail: unknown.isEmpty ? "\(present.count) object(s) under the nodes' prefixes, none unaccounted for"
                            : "\(unknown.count) object(s) belong to no node's acknowledged flush and were not recorded: \(unknown.prefix(5).joined(separator: ", "))"),
            CheckResult(name: "union/integrity", passed: corrupt.isEmpty,
                        detail: corrupt.isEmpty ? "\(verified) remote object(s) match what the nodes wrote"
                            : "\(corrupt.count) object(s) differ from what was written: \(corrupt.prefix(5).joined(separator: ", "))"),
        ]
    }

    /// Removes every object and incomplete upload under the nodes' prefixes; returns what was done.
    static func removeAll(_ merged: RunResult, store: any ObjectStore) async -> [String] {
        var lines: [String] = []
        for node in merged.nodes ?? [] {
            guard let prefix = node.remotePrefix, let runID = node.runId.flatMap(RunID.init), prefix.hasSuffix(runID.value + "/") else { continue }
            let keys = RunKeys(basePrefix: String(prefix.dropLast(runID.value.count + 1)), runID: runID)
            lines += await RemoteLeftovers.remove(store: store, keys: keys)
        }
        return lines
    }
}

extension RunResult {
    /// The result with its node section, when the run is one node of a multi-node run.
    func withNodeSection(_ node: NodeAssignment?) -> RunResult {
        guard let node else { return self }
        var result = self
        result.nodes = [NodeSection(self, index: node.index, count: node.count)]
        return result
    }

    /// The merged result with the union checks added (and `passed` updated).
    public func addingChecks(_ checks: [CheckResult]) -> RunResult {
        var result = self
        result.checks += checks
        result.passed = result.passed && checks.allSatisfy(\.passed)
        return result
    }
}
