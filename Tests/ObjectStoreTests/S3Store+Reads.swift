import Foundation
import ObjectStore
import Servers
import Testing

@Suite("S3Store ranged reads, listing and errors against SeaweedFS and moto")
struct S3StoreReadTests {
    @Test("ranged reads at the edges return exactly the requested bytes", arguments: TestServer.allCases)
    func rangedReadsAtEdges(server: TestServer) async throws {
        let store = try await server.store(for: "ranges")
        let bytes = testBytes(count: 1000, seed: 5)
        try await store.put(key: "r.bin", bytes: bytes)
        #expect(try await store.read(key: "r.bin", range: 0..<1) == [bytes[0]])
        #expect(try await store.read(key: "r.bin", range: 999..<1000) == [bytes[999]])
        #expect(try await store.read(key: "r.bin", range: 100..<356) == Array(bytes[100..<356]))
        #expect(try await store.read(key: "r.bin", range: 990..<5000) == Array(bytes[990...]))
        #expect(try await store.read(key: "r.bin", range: 500..<500) == [])
        #expect(try await store.read(key: "r.bin", range: 0..<UInt64.max) == bytes)
        let error = await #expect(throws: ObjectStoreError.self) {
            try await store.read(key: "r.bin", range: 1000..<1001)
        }
        #expect(error?.code == .invalidRange)
        #expect(error?.isTransient == false)
    }

    @Test("any read of an empty object returns no bytes", arguments: TestServer.allCases)
    func readOfEmptyObject(server: TestServer) async throws {
        let store = try await server.store(for: "empty-read")
        try await store.put(key: "empty", bytes: [])
        #expect(try await store.read(key: "empty", range: 0..<10) == [])
        #expect(try await store.stat(key: "empty").size == 0)
    }

    @Test("listing past 1000 keys follows the continuation token and returns every key sorted", arguments: TestServer.allCases)
    func listingPaginates(server: TestServer) async throws {
        let store = try await server.store(for: "listing")
        let keys = (0..<1050).map { "k/\(String(format: "%05d", $0))" }
        try await withThrowingTaskGroup(of: Void.self) { group in
            var next = 0
            for _ in 0..<16 {
                let key = keys[next]
                next += 1
                group.addTask { try await store.put(key: key, bytes: [1, 2, 3]) }
            }
            while try await group.next() != nil, next < keys.count {
                let key = keys[next]
                next += 1
                group.addTask { try await store.put(key: key, bytes: [1, 2, 3]) }
            }
        }
        let listed = try await store.list(prefix: "k/")
        #expect(listed.count == keys.count)
        #expect(listed.map(\.key) == keys)
        #expect(listed.allSatisfy { $0.size == 3 })
        #expect(try await store.list(prefix: "k/0104").map(\.key) == (1040..<1050).map { "k/\(String(format: "%05d", $0))" })
    }

    @Test("a missing key is notFound for stat and read, and deleting it succeeds", arguments: TestServer.allCases)
    func missingKeyIsNotFound(server: TestServer) async throws {
        let store = try await server.store(for: "missing")
        let statError = await #expect(throws: ObjectStoreError.self) { try await store.stat(key: "nope") }
        #expect(statError?.code == .notFound)
        #expect(statError?.isTransient == false)
        let readError = await #expect(throws: ObjectStoreError.self) { try await store.read(key: "nope", range: 0..<10) }
        #expect(readError?.code == .notFound)
        #expect(readError?.message.contains("nope") == true)
        #expect(readError?.message.contains("GetObject") == true)
        try await store.delete(key: "nope")
    }

    @Test("a wrong secret gives a permanent AccessDenied whose text holds no secret")
    func wrongSecretIsAccessDenied() async throws {
        let wrongSecret = "wrong-secret-\(UInt64.random(in: 1...UInt64.max))"
        let store = try await SharedSeaweedFS.store(for: "denied") { configuration in
            configuration.credentials.secretAccessKey = wrongSecret
        }
        let realSecret = try await SharedSeaweedFS.get().configuration.credentials.secretAccessKey
        for operation in ["put", "read", "list"] {
            let error = await #expect(throws: ObjectStoreError.self) {
                switch operation {
                case "put": try await store.put(key: "x", bytes: [1])
                case "read": _ = try await store.read(key: "x", range: 0..<1)
                default: _ = try await store.list(prefix: "")
                }
            }
            #expect(error?.code == .accessDenied)
            #expect(error?.isTransient == false)
            #expect(error?.httpStatus == 403)
            let text = "\(String(describing: error)) \(error?.message ?? "")"
            #expect(!text.contains(wrongSecret))
            #expect(!text.contains(realSecret))
            #expect(text.contains("flushbench-tests"))
        }
        #expect(!"\(store.configuration)".contains(wrongSecret))
    }
}
