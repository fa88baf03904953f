import ObjectStore
import Testing

@Suite("S3Store round trips against SeaweedFS and moto")
struct S3StoreRoundTripTests {
    /// Writes `bytes` in `chunk`-sized writes, reads them back, and checks that `stat` reports
    /// the size and the very checksum `close()` returned.
    private func roundTrip(_ store: S3Store, key: String, bytes: [UInt8], options: WriteOptions, chunk: Int) async throws -> ObjectInfo {
        let writer = try await store.makeWriter(key: key, options: options)
        var offset = 0
        while offset < bytes.count {
            let end = min(offset + chunk, bytes.count)
            try await writer.write(Array(bytes[offset..<end]))
            offset = end
        }
        let written = try await writer.close()
        #expect(written.size == UInt64(bytes.count))
        let info = try await store.stat(key: key)
        #expect(info.size == UInt64(bytes.count))
        #expect(info.checksum != nil)
        #expect(info.checksum == written.checksum)
        let back = try await store.read(key: key, range: 0..<UInt64(bytes.count))
        #expect(back.count == bytes.count)
        #expect(back == bytes)
        return written
    }

    @Test("objects of 0 B, 1 B and 5 MiB - 1 go up with one PUT and come back whole", arguments: TestServer.allCases, [0, 1, (5 << 20) - 1])
    func smallObjectsRoundTrip(server: TestServer, size: Int) async throws {
        let store = try await server.store(for: "small-\(size)")
        let bytes = testBytes(count: size, seed: UInt64(size))
        let info = try await roundTrip(store, key: "obj.bin", bytes: bytes,
                                       options: WriteOptions(expectedSize: UInt64(size)), chunk: 1 << 20)
        #expect(info.checksum == Checksum.sha256(of: bytes))
    }

    @Test("an object of exactly one part size is one PUT when its size is known", arguments: TestServer.allCases)
    func exactlyOnePartWithKnownSizeIsSinglePut(server: TestServer) async throws {
        let store = try await server.store(for: "one-part-known")
        let bytes = testBytes(count: 5 << 20, seed: 11)
        let info = try await roundTrip(store, key: "a/b.parquet", bytes: bytes,
                                       options: WriteOptions(expectedSize: UInt64(bytes.count), partSize: 5 << 20), chunk: 1 << 20)
        #expect(info.checksum?.algorithm == "sha256")
    }

    @Test("an object of exactly one part size and unknown size is a one-part multipart upload", arguments: TestServer.allCases)
    func exactlyOnePartWithUnknownSizeIsMultipart(server: TestServer) async throws {
        let store = try await server.store(for: "one-part-unknown")
        let bytes = testBytes(count: 5 << 20, seed: 12)
        let info = try await roundTrip(store, key: "one.part", bytes: bytes,
                                       options: WriteOptions(partSize: 5 << 20), chunk: 700_000)
        #expect(info.checksum?.algorithm == "sha256-composite")
        #expect(info.checksum?.value.hasSuffix("-1") == true)
        #expect(try await store.incompleteUploads(prefix: "").isEmpty)
    }

    @Test("100 MiB goes up as a multipart upload with parts in parallel and comes back whole", arguments: TestServer.allCases)
    func hundredMiBMultipartRoundTrip(server: TestServer) async throws {
        let store = try await server.store(for: "multipart-100")
        let bytes = testBytes(count: 100 << 20, seed: 100)
        let info = try await roundTrip(store, key: "big/object.bin", bytes: bytes,
                                       options: WriteOptions(partSize: 8 << 20, concurrency: 4), chunk: 3 << 20)
        #expect(info.checksum?.algorithm == "sha256-composite")
        #expect(info.checksum?.value.hasSuffix("-13") == true)
        #expect(try await store.incompleteUploads(prefix: "").isEmpty)
        try await store.delete(key: "big/object.bin")
        await #expect(throws: ObjectStoreError.self) { try await store.stat(key: "big/object.bin") }
    }

    @Test("keys with spaces, unicode and reserved characters are stored and listed verbatim", arguments: TestServer.allCases)
    func unusualKeysRoundTrip(server: TestServer) async throws {
        let store = try await server.store(for: "keys")
        let keys = ["dir with space/file+plus.txt", "ünï/cödé=1&x.bin", "a/b/c~d_e-f.g"]
        for (index, key) in keys.enumerated() {
            try await store.put(key: key, bytes: testBytes(count: 10 + index, seed: UInt64(index)))
        }
        let listed = try await store.list(prefix: "")
        #expect(listed.map(\.key) == keys.sorted())
        for (index, key) in keys.enumerated() {
            #expect(try await store.readAll(key: key) == testBytes(count: 10 + index, seed: UInt64(index)))
        }
    }
}
