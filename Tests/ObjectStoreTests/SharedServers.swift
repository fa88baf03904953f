import Foundation
import ObjectStore
import Servers
import Testing

/// The S3 servers every S3 test runs against: two independent implementations that report
/// checksums, ETags and errors differently.
enum TestServer: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case seaweedfs, moto

    var testDescription: String { rawValue }

    /// A store on this server's shared instance whose keys all live under a fresh prefix named
    /// after `test`.
    func store(for test: String, configure: (inout S3Configuration) -> Void = { _ in }) async throws -> S3Store {
        var configuration: S3Configuration
        switch self {
        case .seaweedfs: configuration = try await SharedSeaweedFS.get().configuration
        case .moto: configuration = try await SharedMoto.get().configuration
        }
        configuration.prefix = "\(test)-\(UUID().uuidString.prefix(8))/"
        configure(&configuration)
        return S3Store(configuration: configuration)
    }
}

/// The one SeaweedFS server of this test process, started on first use and shared by every S3
/// test (each test works under a key prefix of its own, so tests can run in parallel).
///
/// It is stopped when the process exits: the server's watchdog kills it and removes its
/// directory and sockets as soon as this process is gone.
enum SharedSeaweedFS {
    private static let server = Task<SeaweedFS, any Error> {
        try await SeaweedFS.start(bucket: "flushbench-tests")
    }

    /// The shared server (started by the first caller).
    static func get() async throws -> SeaweedFS {
        try await server.value
    }

    /// A store on the shared server whose keys all live under a fresh prefix named after `test`.
    static func store(for test: String, configure: (inout S3Configuration) -> Void = { _ in }) async throws -> S3Store {
        try await TestServer.seaweedfs.store(for: test, configure: configure)
    }
}

/// The one moto server of this test process, started on first use, shared like
/// ``SharedSeaweedFS`` and gone with the process (its watchdog stops it).
enum SharedMoto {
    private static let server = Task<Moto, any Error> {
        try await Moto.start(bucket: "flushbench-tests")
    }

    /// The shared server (started by the first caller).
    static func get() async throws -> Moto {
        try await server.value
    }
}

/// Deterministic, incompressible test bytes.
func testBytes(count: Int, seed: UInt64) -> [UInt8] {
    var bytes = [UInt8](repeating: 0, count: count)
    var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
    bytes.withUnsafeMutableBytes { buffer in
        var offset = 0
        while offset < count {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            withUnsafeBytes(of: state) { word in
                let n = min(8, count - offset)
                buffer.baseAddress!.advanced(by: offset).copyMemory(from: word.baseAddress!, byteCount: n)
            }
            offset += 8
        }
    }
    return bytes
}
