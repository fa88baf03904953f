import FaultInjection
import Foundation
import ObjectStore
import Platform

extension FaultOverheadBenchmark {
    /// What the fault layer costs on the range path: uploads of a local file's ranges
    /// (``ObjectStore/upload(from:range:key:options:)``) and reads into a local file
    /// (``ObjectStore/read(key:range:into:at:)``) on a memory store, bare and through a
    /// ``FaultyStore`` with an empty plan and with rules that never fire.
    public struct RangeReport: Sendable, Codable {
        public struct Row: Sendable, Codable {
            public var name: String
            public var uploadSeconds: Double
            public var readSeconds: Double
            public var uploadOverheadPercent: Double
            public var readOverheadPercent: Double
            /// The same from each variant's fastest round (less sensitive to other load).
            public var fastestUploadOverheadPercent: Double
            public var fastestReadOverheadPercent: Double
            /// The same from the process's CPU time (median), which other processes' load moves less.
            public var uploadCPUOverheadPercent: Double
            public var readCPUOverheadPercent: Double
        }

        public var work: String
        public var rounds: Int
        public var rows: [Row]

        public func table() -> String {
            var lines = ["\(work) — medians of \(rounds) round(s); overhead: wall median (fastest round) [CPU time median]", "",
                         "variant       upload s   overhead             read s     overhead"]
            for row in rows {
                lines.append(row.name.padding(toLength: 14, withPad: " ", startingAt: 0)
                             + String(format: "%-10.3f %+7.2f%% (%+6.2f%%) [%+6.2f%%]   %-10.3f %+7.2f%% (%+6.2f%%) [%+6.2f%%]", row.uploadSeconds,
                                      row.uploadOverheadPercent, row.fastestUploadOverheadPercent, row.uploadCPUOverheadPercent,
                                      row.readSeconds, row.readOverheadPercent, row.fastestReadOverheadPercent, row.readCPUOverheadPercent))
            }
            return lines.joined(separator: "\n")
        }
    }

    /// Measures the range path: `configuration.totalBytes` uploaded per round as ranges of
    /// `objectSize` from one local file, then read back range by range into another.
    public func runRange() async throws -> RangeReport {
        let config = configuration
        let idleRules = ObjectStoreError.Operation.allCases.map {
            FaultRule(operation: FaultRule.OperationSelector(rawValue: $0.rawValue) ?? .any,
                      fault: .error(InjectedError(code: .internalError)), probability: 0)
        }
        let idlePlan = try FaultPlan(seed: 1, rules: idleRules)
        let variants: [(String, @Sendable (MemoryStore) -> any ObjectStore)] = [
            ("bare", { $0 }),
            ("empty plan", { FaultyStore(wrapping: $0, plan: .empty) }),
            ("idle rules", { FaultyStore(wrapping: $0, plan: idlePlan) }),
        ]
        let directory = try LocalFiles.makeTemporaryDirectory(prefix: "flushbench-faults-range")
        defer { try? LocalFiles.removeTree(directory) }
        let objectSize = min(config.objectSize, config.totalBytes)
        let source = try LocalFile.create(directory + "/source")
        try source.write([UInt8](repeating: 0x5A, count: objectSize), at: 0)
        source.close()
        let file = try LocalFile.openForReading(directory + "/source")
        defer { file.close() }
        let sink = try LocalFile.create(directory + "/sink")
        defer { sink.close() }
        let objects = max(1, config.totalBytes / objectSize)
        let options = WriteOptions(partSize: config.chunkSize)

        var uploads = Array(repeating: [Double](), count: variants.count)
        var reads = Array(repeating: [Double](), count: variants.count)
        var uploadCPU = Array(repeating: [Double](), count: variants.count)
        var readCPU = Array(repeating: [Double](), count: variants.count)
        for round in 0..<config.rounds {
            let order = round % 2 == 0 ? Array(variants.indices) : variants.indices.reversed()
            for index in order {
                let store = variants[index].1(MemoryStore())
                // One object at a time (uploaded, read back, deleted), so memory stays one object.
                var upload = 0.0, read = 0.0, upCPU = 0.0, readCPUSeconds = 0.0
                for object in 0..<objects {
                    let key = "bench/range-\(object)"
                    let up = try await Timing.measure {
                        _ = try await store.upload(from: file, range: 0..<UInt64(objectSize), key: key, options: options)
                    }
                    upload += up.wall
                    upCPU += up.cpu
                    let back = try await Timing.measure {
                        var offset: UInt64 = 0
                        while offset < UInt64(objectSize) {
                            let range = offset..<min(offset + UInt64(config.chunkSize), UInt64(objectSize))
                            offset += try await store.read(key: key, range: range, into: sink, at: range.lowerBound)
                        }
                    }
                    read += back.wall
                    readCPUSeconds += back.cpu
                    try await store.delete(key: key)
                }
                uploads[index].append(upload)
                reads[index].append(read)
                uploadCPU[index].append(upCPU)
                readCPU[index].append(readCPUSeconds)
            }
        }
        let bareUpload = SideBySideReport.median(uploads[0])
        let bareRead = SideBySideReport.median(reads[0])
        let fastestBareUpload = uploads[0].min() ?? 0, fastestBareRead = reads[0].min() ?? 0
        let bareUploadCPU = SideBySideReport.median(uploadCPU[0]), bareReadCPU = SideBySideReport.median(readCPU[0])
        let rows = variants.indices.map { index in
            let upload = SideBySideReport.median(uploads[index])
            let read = SideBySideReport.median(reads[index])
            return RangeReport.Row(name: variants[index].0, uploadSeconds: upload, readSeconds: read,
                                   uploadOverheadPercent: (upload - bareUpload) / bareUpload * 100,
                                   readOverheadPercent: (read - bareRead) / bareRead * 100,
                                   fastestUploadOverheadPercent: ((uploads[index].min() ?? 0) - fastestBareUpload) / fastestBareUpload * 100,
                                   fastestReadOverheadPercent: ((reads[index].min() ?? 0) - fastestBareRead) / fastestBareRead * 100,
                                   uploadCPUOverheadPercent: (SideBySideReport.median(uploadCPU[index]) - bareUploadCPU) / bareUploadCPU * 100,
                                   readCPUOverheadPercent: (SideBySideReport.median(readCPU[index]) - bareReadCPU) / bareReadCPU * 100)
        }
        return RangeReport(work: "MemoryStore range path: \(objects) x \(objectSize >> 20) MiB uploaded from a local file, read back in \(config.chunkSize >> 20) MiB ranges into one; bare vs through FaultyStore",
                           rounds: config.rounds, rows: rows)
    }
}
