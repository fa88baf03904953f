import CCurl
import Foundation
import Synchronization

/// Runs HTTP transfers on one dedicated thread that owns a libcurl multi handle.
///
/// Swift tasks never call libcurl: ``perform(_:)`` puts the request on a queue, wakes the thread
/// with `curl_multi_wakeup` and suspends on a continuation that the thread resumes when the
/// transfer ends (the design of swift-corelibs-foundation's `MultiHandle`). All transfers share
/// the multi handle's connection cache, so keep-alive connections are reused across requests.
/// Cancelling the waiting task removes the transfer from the multi handle at once.
final class CurlEngine: Sendable {
    private enum Command {
        case start(id: UInt64, request: HTTPRequest, completion: @Sendable (Result<HTTPResponse, TransportFailure>) -> Void)
        case cancel(id: UInt64)
    }

    private struct Queue {
        var commands: [Command] = []
        var nextID: UInt64 = 1
        var stopping = false
    }

    /// Where a request stands with respect to cancellation (the cancel-before-start race).
    private enum RequestPhase {
        case pending, started, cancelled
    }

    private let queue = Mutex(Queue())
    /// The multi handle; used off the curl thread only for `curl_multi_wakeup`, which libcurl
    /// documents as callable from any thread.
    private nonisolated(unsafe) let multi: UnsafeMutableRawPointer
    private let userPassword: String
    private let signing: String
    private let limits: TransferLimits
    /// `curl_multi_add_handle`, replaceable so tests can make it fail.
    private let addHandle: @Sendable (_ multi: UnsafeMutableRawPointer, _ easy: UnsafeMutableRawPointer) -> CURLMcode

    private static let globalInit: Void = {
        curl_global_init(3)  // CURL_GLOBAL_ALL: a function-like macro Swift does not import.
    }()

    /// Starts the curl thread.
    ///
    /// - Parameters:
    ///   - userPassword: `ACCESS_KEY:SECRET` for SigV4 signing; kept only inside libcurl's options.
    ///   - signing: the `CURLOPT_AWS_SIGV4` provider string, `aws:amz:REGION:s3`.
    ///   - limits: timeouts and the low-speed limit of every transfer.
    ///   - addHandle: adds an easy handle to the multi handle (`curl_multi_add_handle`; tests
    ///     pass one that fails).
    init(userPassword: String, signing: String, limits: TransferLimits,
         addHandle: @escaping @Sendable (_ multi: UnsafeMutableRawPointer, _ easy: UnsafeMutableRawPointer) -> CURLMcode
             = { curl_multi_add_handle($0, $1) }) {
        _ = Self.globalInit
        guard let multi = curl_multi_init() else {
            fatalError("curl_multi_init failed: libcurl is out of memory")
        }
        self.multi = multi
        self.userPassword = userPassword
        self.signing = signing
        self.limits = limits
        self.addHandle = addHandle
        ccurl_multi_setopt_long(multi, CURLMOPT_MAXCONNECTS, 64)
        let thread = Thread { [self] in self.runLoop() }
        thread.name = "flushbench-curl"
        thread.start()
    }

    /// Stops the thread after failing every transfer still queued or running as cancelled.
    func shutdown() {
        queue.withLock { queue in
            guard !queue.stopping else { return }
            queue.stopping = true
            curl_multi_wakeup(multi)
        }
    }

    /// Runs `request` and returns the response.
    ///
    /// - Errors: ``TransportFailure`` when no HTTP response arrived (connection failure, timeout,
    ///   cancellation of the calling task).
    func perform(_ request: HTTPRequest) async throws(TransportFailure) -> HTTPResponse {
        let id = queue.withLock { queue -> UInt64 in
            defer { queue.nextID += 1 }
            return queue.nextID
        }
        let phase = Mutex(RequestPhase.pending)
        let result: Result<HTTPResponse, TransportFailure> = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Result<HTTPResponse, TransportFailure>, Never>) in
                let enqueued = phase.withLock { phase -> Bool in
                    guard phase == .pending else { return false }
                    phase = .started
                    return enqueue(.start(id: id, request: request, completion: { continuation.resume(returning: $0) }))
                }
                if !enqueued { continuation.resume(returning: .failure(.cancelled)) }
            }
        } onCancel: {
            phase.withLock { phase in
                if phase == .started { _ = enqueue(.cancel(id: id)) }
                phase = .cancelled
            }
        }
        return try result.get()
    }

    private func enqueue(_ command: Command) -> Bool {
        // Wakes the thread under the lock: once `stopping` is seen the thread frees the multi
        // handle, so no wakeup may reach it after that.
        queue.withLock { queue -> Bool in
            guard !queue.stopping else { return false }
            queue.commands.append(command)
            curl_multi_wakeup(multi)
            return true
        }
    }

    // MARK: - The curl thread

    private func runLoop() {
        var active: [UInt64: CurlTransfer] = [:]
        var idsByHandle: [UnsafeMutableRawPointer: UInt64] = [:]

        func end(_ id: UInt64, with result: (CurlTransfer) -> Result<HTTPResponse, TransportFailure>) {
            guard let transfer = active.removeValue(forKey: id) else { return }
            idsByHandle.removeValue(forKey: transfer.handle)
            curl_multi_remove_handle(multi, transfer.handle)
            let outcome = result(transfer)
            transfer.completion(outcome)
        }

        while true {
            let (commands, stopping) = queue.withLock { queue -> ([Command], Bool) in
                defer { queue.commands.removeAll(keepingCapacity: true) }
                return (queue.commands, queue.stopping)
            }
            for command in commands {
                switch command {
                case let .start(id, request, completion):
                    guard let transfer = CurlTransfer(request: request, userPassword: userPassword, signing: signing,
                                                      limits: limits, completion: completion) else {
                        completion(.failure(TransportFailure(kind: .other, curlCode: 0, detail: "curl_easy_init failed")))
                        continue
                    }
                    // A handle the multi handle refused never completes: fail it now, or its
                    // caller would wait forever.
                    let added = addHandle(multi, transfer.handle)
                    guard added == CURLM_OK else {
                        let text = curl_multi_strerror(added).map { String(cString: $0) } ?? "unknown"
                        completion(.failure(TransportFailure(kind: .other, curlCode: Int(added.rawValue),
                                                             detail: "curl_multi_add_handle failed: \(text)")))
                        continue
                    }
                    active[id] = transfer
                    idsByHandle[transfer.handle] = id
                case let .cancel(id):
                    end(id) { _ in .failure(.cancelled) }
                }
            }
            if stopping {
                for id in Array(active.keys) { end(id) { _ in .failure(.cancelled) } }
                break
            }

            var running: Int32 = 0
            curl_multi_perform(multi, &running)
            var remaining: Int32 = 0
            while let message = curl_multi_info_read(multi, &remaining) {
                guard message.pointee.msg == CURLMSG_DONE, let handle = message.pointee.easy_handle,
                      let id = idsByHandle[handle] else { continue }
                let code = message.pointee.data.result
                end(id) { $0.finish(code: code) }
            }
            var ready: Int32 = 0
            curl_multi_poll(multi, nil, 0, 1000, &ready)
        }
        queue.withLock { _ in _ = curl_multi_cleanup(multi) }
    }
}
