public import FaultInjection
import Foundation
public import WriteCache
import Platform

/// One file of the simulation: the SST number it belongs to and which of its files it is.
///
/// Every SST is written at most once (SST files are immutable, as in the real cache), so a
/// key's content is a pure function of its number, its type and its size: a shrunk history
/// keeps the same bytes for the keys it keeps.
public struct SimKey: Hashable, Codable, Sendable, Comparable, CustomStringConvertible {
    /// The SST number (0, 1, 2, ... in the order the history creates them).
    public var sst: Int
    /// Data or index file.
    public var type: FileType

    public init(sst: Int, type: FileType) {
        self.sst = sst
        self.type = type
    }

    /// The cache key: region `sst % 4 + 1`, a file id derived from the SST number.
    public var fileKey: FileKey {
        FileKey(region: UInt64(sst % 4 + 1), fileID: SimKey.fileID(sst: sst), type: type)
    }

    /// The file id of SST `sst`: 16 bytes from SplitMix64 seeded with the number.
    static func fileID(sst: Int) -> UUID {
        var generator = SplitMix64(seed: 0x51_4D00_0000 &+ UInt64(sst))
        let a = generator.next(), b = generator.next()
        let bytes = (0..<8).map { UInt8(truncatingIfNeeded: a >> (8 * $0)) } + (0..<8).map { UInt8(truncatingIfNeeded: b >> (8 * $0)) }
        return UUID(uuid: (bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
                           bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]))
    }

    /// The bytes of this key's file when it has `size` bytes.
    public func content(size: Int) -> [UInt8] {
        var generator = SplitMix64(seed: UInt64(sst) << 1 | (type == .parquet ? 0 : 1))
        var bytes: [UInt8] = []
        bytes.reserveCapacity(size + 8)
        while bytes.count < size {
            let word = generator.next()
            for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: word >> UInt64(shift))) }
        }
        return Array(bytes.prefix(size))
    }

    public static func < (lhs: SimKey, rhs: SimKey) -> Bool {
        (lhs.sst, lhs.type.rawValue) < (rhs.sst, rhs.type.rawValue)
    }

    public var description: String { "sst\(sst).\(type.rawValue)" }
}

/// One step of a simulated history: an operation started on the cache, or an action of the
/// simulator itself (time, cancellation, reopening).
public enum SimStep: Hashable, Codable, Sendable {
    /// `putAndUpload` of a new key with `size` bytes.
    case put(key: SimKey, size: Int)
    /// `writeAndUpload` of SST `sst`: a data file of `dataSize` bytes and an index of `indexSize` (0: none).
    case flush(sst: Int, dataSize: Int, indexSize: Int)
    /// `upload` of a cached key again.
    case upload(key: SimKey)
    /// `read` of `length` bytes at `offset`.
    case read(key: SimKey, offset: Int, length: Int)
    /// `downloadIfAbsent`.
    case download(key: SimKey)
    /// `remove` of both files of SST `sst` from the local cache.
    case remove(sst: Int)
    /// The simulated clock moves forward.
    case advance(milliseconds: Int)
    /// Cancels the operation in flight at position `pick` (modulo their number), if any.
    case cancel(pick: Int)
    /// Waits for quiescence, closes the cache and opens it again on the same directory (recovery).
    case reopen

    /// The operation's name in summaries.
    public var kind: String {
        switch self {
        case .put: "put"
        case .flush: "flush"
        case .upload: "upload"
        case .read: "read"
        case .download: "download"
        case .remove: "remove"
        case .advance: "advance"
        case .cancel: "cancel"
        case .reopen: "reopen"
        }
    }

    /// Whether the step starts a cache operation (one that runs concurrently with others).
    var isCacheOperation: Bool {
        switch self {
        case .advance, .cancel, .reopen: false
        default: true
        }
    }
}

/// A complete, replayable simulation: its parameters, its fault rules and its steps.
///
/// Written to a file when a run finds a violation; ``Simulator/replay(_:)`` runs it again.
public struct History: Codable, Sendable, Equatable {
    /// The seed the history was generated from (also the fault plan's seed).
    public var seed: UInt64
    /// The parameters of the run.
    public var configuration: SimulationConfiguration
    /// The store's fault rules.
    public var faults: [FaultRule]
    /// The steps, in order.
    public var steps: [SimStep]

    public init(seed: UInt64, configuration: SimulationConfiguration, faults: [FaultRule], steps: [SimStep]) {
        self.seed = seed
        self.configuration = configuration
        self.faults = faults
        self.steps = steps
    }

    /// Reads a history file.
    ///
    /// - Errors: ``SimulationError`` (`badInput`) naming the file and what is wrong with it.
    public static func load(path: String) throws(SimulationError) -> History {
        do {
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            return try JSONDecoder().decode(History.self, from: data)
        } catch {
            throw SimulationError(code: .badInput, message: "cannot read the history '\(path)': \(error)")
        }
    }

    /// Writes the history as JSON to `path`.
    ///
    /// - Errors: ``SimulationError`` (`io`) naming the file.
    public func write(to path: String) throws(SimulationError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        do {
            try encoder.encode(self).write(to: URL(fileURLWithPath: path))
        } catch {
            throw SimulationError(code: .io, message: "cannot write the history '\(path)': \(error)")
        }
    }
}

/// A failure of the simulator itself (not a violation of the cache).
public struct SimulationError: Error, Sendable, CustomStringConvertible {
    /// What went wrong.
    public enum Code: String, Sendable {
        /// Invalid input: a bad option or history file.
        case badInput = "bad_input"
        /// A local file operation of the simulator failed.
        case io
        /// The cache could not be opened.
        case cache
    }

    /// What went wrong.
    public var code: Code
    /// A sentence a person can act on.
    public var message: String

    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(message) [\(code.rawValue)]" }
}
