import CCurl
@testable import ObjectStore
import Testing

@Suite("CurlEngine when libcurl refuses a transfer")
struct CurlEngineAddHandleFailureTests {
    @Test("a transfer the multi handle refuses fails at once instead of waiting forever")
    func refusedTransferFails() async {
        let engine = CurlEngine(
            userPassword: "a:s", signing: "aws:amz:us-east-1:s3",
            limits: TransferLimits(connectTimeout: .seconds(1), requestTimeout: .seconds(2), lowSpeedBytesPerSecond: 1, lowSpeedTime: .seconds(2)),
            addHandle: { _, _ in CURLM_OUT_OF_MEMORY })
        defer { engine.shutdown() }
        // The request goes nowhere (the handle is never added); the race bounds a hang to 5 s.
        let outcome = await withTaskGroup(of: Result<HTTPResponse, TransportFailure>?.self) { group in
            group.addTask {
                do throws(TransportFailure) {
                    return .success(try await engine.perform(HTTPRequest(method: "GET", url: "http://127.0.0.1:1/b/k")))
                } catch {
                    return .failure(error)
                }
            }
            group.addTask {
                try? await Task.sleep(for: .seconds(5))
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
        guard case let .failure(failure)? = outcome else {
            Issue.record("the refused transfer did not fail within 5 s: \(String(describing: outcome))")
            return
        }
        #expect(failure.kind == .other)
        #expect(failure.detail.contains("curl_multi_add_handle"))
    }
}
