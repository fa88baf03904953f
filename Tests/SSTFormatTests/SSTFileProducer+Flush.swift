import Foundation
import SSTFormat
import Testing

extension SSTFormatSuite {
    @Suite("SSTFileProducer")
    struct SSTFileProducerTests {
        @Test("a flush of zero rows writes nothing to either sink")
        func zeroRows() async throws {
            let data = RecordingSink()
            let index = RecordingSink()
            let summary = try await SSTFileProducer(spec: FlushDataSpec(seed: 1, rows: 0)).produce(data: data, index: index)
            #expect(summary.rows == 0)
            #expect(data.bytesWritten == 0)
            #expect(index.bytesWritten == 0)
        }

        @Test("one flush makes a Parquet file pyarrow reads and a Puffin index whose filters know every tag")
        func flushProducesBothFiles() async throws {
            let dir = try makeTemporaryDirectory("producer")
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let spec = FlushDataSpec(seed: 9, rows: 30_000, tags: [.init(name: "host", cardinality: 300), .init(name: "dc", cardinality: 2)],
                                     int64Fields: ["bytes"], regionID: 42)
            let data = FileByteSink(path: dir + "/sst.parquet")
            let index = FileByteSink(path: dir + "/sst.puffin")
            let producer = SSTFileProducer(spec: spec, options: SSTWriteOptions(rowGroupSize: 8192, bloomFalsePositiveRate: 0.01))
            let summary = try await producer.produce(data: data, index: index)
            data.close()
            index.close()

            #expect(summary.rows == 30_000)
            #expect(summary.metadata["sst.rowGroups"] == "4")
            #expect(summary.metadata["sst.dataBytes"] == String(data.bytesWritten))
            #expect(summary.metadata["sst.indexBytes"] == String(index.bytesWritten))
            #expect(summary.metadata["sst.timeRange.start"].flatMap { Int64($0) }.map { $0 >= spec.startMillis } == true)
            let regionJSON = try #require(summary.metadata[SSTFileProducer.regionMetadataKey])
            let region = try JSONSerialization.jsonObject(with: Data(regionJSON.utf8)) as? [String: Any]
            #expect((region?["region_id"] as? NSNumber)?.intValue == 42)
            #expect((region?["primary_key"] as? [Int]) == [0, 1])
            let columns = (region?["column_metadatas"] as? [[String: Any]]) ?? []
            #expect(columns.compactMap { $0["semantic_type"] as? String } == ["Tag", "Tag", "Timestamp", "Field", "Field", "Field"])
            #expect(columns.compactMap { ($0["column_schema"] as? [String: Any])?["name"] as? String }
                == ["host", "dc", "ts", "cpu", "memory", "bytes"])

            let footer = try await ParquetFooterReader.read(path: dir + "/sst.parquet")
            #expect(footer.numRows == 30_000)
            #expect(footer.metadataValue(forKey: SSTFileProducer.regionMetadataKey) == regionJSON)

            let generator = try FlushDataGenerator(spec)
            try await exportRaw(generator, to: dir + "/raw")
            let report = try await runPyarrowCheck(parquet: dir + "/sst.parquet", rawDirectory: dir + "/raw")
            #expect(report.values_equal.values.allSatisfy { $0 })
            #expect(report.row_groups.allSatisfy { $0.columns.allSatisfy(\.stats_match) })

            let (puffin, blobs) = try await PuffinReader.read(path: dir + "/sst.puffin")
            #expect(puffin.blobs.count == 2)
            for (blob, bytes) in zip(puffin.blobs, blobs) {
                let (column, filter) = try BloomFilterBlob.decode(blob, data: bytes)
                let tag = try #require(spec.tags.firstIndex { $0.name == column })
                for value in generator.tagDictionary(tag) {
                    #expect(filter.mightContain(value), "\(column) lost \(String(decoding: value, as: UTF8.self))")
                }
                #expect(blob.properties?["items"] == String(spec.tags[tag].cardinality))
            }
        }

        @Test("without an index only the data file is written")
        func noIndex() async throws {
            let data = RecordingSink()
            let index = RecordingSink()
            let summary = try await SSTFileProducer(spec: FlushDataSpec(seed: 2, rows: 100), options: SSTWriteOptions(index: false))
                .produce(data: data, index: index)
            #expect(summary.rows == 100)
            #expect(data.bytesWritten > 0)
            #expect(index.bytesWritten == 0)
        }
    }
}
