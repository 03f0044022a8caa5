import CSFCurl
import Dispatch
import SFCore
import Synchronization

/// The production `HTTPLineStreamTransport`: libcurl with a write callback that splits the body into lines as
/// it arrives, so a watch that lasts minutes never holds more than one line in memory (`CurlTransport` collects
/// a whole body, capped at 1 MiB). Run off the cooperative pool on a dispatch thread, as `CurlTransport`;
/// cancelled through the progress callback; the proxy route decided by `ProxySettings`, as for every request.
public struct CurlLineStreamTransport: HTTPLineStreamTransport {
    /// One line (one watch event) longer than this stops the stream: the API server's objects are ≤ 1.5 MiB.
    public static let maximumLineBytes = 4 << 20

    public let options: CurlTransport.Options

    public init(options: CurlTransport.Options = .init()) {
        _ = CurlTransport(options: options)  // curl_global_init, once
        self.options = options
    }

    public func stream(
        _ request: HTTPRequest,
        timeout: Duration,
        onLine: @escaping @Sendable ([UInt8]) -> Bool
    ) async throws(HTTPTransportError) -> HTTPResponse {
        let sink = LineSink(onLine: onLine, errorBodyLimit: options.maxResponseBytes)
        let options = self.options
        let result: Result<HTTPResponse, HTTPTransportError> = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                DispatchQueue.global().async {
                    continuation.resume(
                        returning: Self.perform(request, timeout: timeout, options: options, sink: sink)
                    )
                }
            }
        } onCancel: {
            sink.cancelled.store(true, ordering: .relaxed)
        }
        return try result.get()
    }

    /// Splits the body into lines; shared with libcurl's C callbacks through an unretained pointer.
    final class LineSink: Sendable {
        let onLine: @Sendable ([UInt8]) -> Bool
        let errorBodyLimit: Int
        let cancelled = Atomic<Bool>(false)
        // Touched only by the thread running curl_easy_perform.
        nonisolated(unsafe) var handle: UnsafeMutableRawPointer?
        nonisolated(unsafe) var status = 0
        nonisolated(unsafe) var pending: [UInt8] = []
        nonisolated(unsafe) var errorBody: [UInt8] = []
        nonisolated(unsafe) var stopped = false
        nonisolated(unsafe) var lineTooLong = false

        init(onLine: @escaping @Sendable ([UInt8]) -> Bool, errorBodyLimit: Int) {
            self.onLine = onLine
            self.errorBodyLimit = errorBodyLimit
        }

        /// Takes one chunk of the body; false stops the transfer.
        func take(_ bytes: UnsafeRawBufferPointer) -> Bool {
            guard (200..<300).contains(status) else {
                guard errorBody.count + bytes.count <= errorBodyLimit else { return false }
                errorBody.append(contentsOf: bytes)
                return true
            }
            var start = bytes.startIndex
            while let newline = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) {
                pending.append(contentsOf: bytes[start..<newline])
                start = newline + 1
                var line = pending
                pending = []
                if line.last == UInt8(ascii: "\r") { line.removeLast() }
                if !line.isEmpty && !onLine(line) {
                    stopped = true
                    return false
                }
            }
            pending.append(contentsOf: bytes[start...])
            if pending.count > CurlLineStreamTransport.maximumLineBytes {
                lineTooLong = true
                return false
            }
            return true
        }
    }

    private static func perform(
        _ request: HTTPRequest,
        timeout: Duration,
        options: CurlTransport.Options,
        sink: LineSink
    ) -> Result<HTTPResponse, HTTPTransportError> {
        let url = request.url
        for header in request.headers {
            if let reason = HTTPHeaderRules.problem(name: header.name, value: header.value) {
                let origin = request.headerOrigins[header.name.lowercased()] ?? "skyferry's request builder"
                return .failure(.invalidHeader(url: url, name: header.name, origin: origin, reason: reason))
            }
        }
        guard let handle = curl_easy_init() else { return .failure(.other(url: url, reason: "curl_easy_init failed")) }
        defer { curl_easy_cleanup(handle) }
        sink.handle = handle
        var headerList: UnsafeMutablePointer<curl_slist>?
        defer { curl_slist_free_all(headerList) }
        let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        defer { errorBuffer.deallocate() }

        let timeoutMS = max(1, Int(timeout.seconds * 1000))
        let connectMS = min(timeoutMS, max(1, Int(options.connectTimeout.seconds * 1000)))
        sfcurl_setopt_string(handle, CURLOPT_URL, url)
        sfcurl_setopt_string(handle, CURLOPT_PROTOCOLS_STR, "https,http")
        sfcurl_setopt_long(handle, CURLOPT_FOLLOWLOCATION, 0)
        sfcurl_setopt_long(handle, CURLOPT_NOSIGNAL, 1)
        sfcurl_setopt_long(handle, CURLOPT_TIMEOUT_MS, timeoutMS)
        sfcurl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, connectMS)
        sfcurl_setopt_string(handle, CURLOPT_USERAGENT, options.userAgent)
        sfcurl_setopt_ptr(handle, CURLOPT_ERRORBUFFER, errorBuffer)
        // TCP keep-alive probes notice an API server that vanished without closing the connection.
        sfcurl_setopt_long(handle, CURLOPT_TCP_KEEPALIVE, 1)
        sfcurl_setopt_long(handle, CURLOPT_TCP_KEEPIDLE, 30)
        sfcurl_setopt_long(handle, CURLOPT_TCP_KEEPINTVL, 15)
        sfcurl_setopt_string(handle, CURLOPT_PROXY, options.proxy.route(for: request.endpoint).proxyURL ?? "")
        sfcurl_setopt_string(handle, CURLOPT_NOPROXY, "")
        if let bundle = options.extraCABundle {
            sfcurl_setopt_string(handle, CURLOPT_CAINFO, bundle)
            sfcurl_setopt_string(handle, CURLOPT_CAPATH, "/etc/ssl/certs")
        }
        sfcurl_setopt_long(handle, CURLOPT_HTTPGET, 1)
        for header in request.headers {
            headerList = curl_slist_append(headerList, "\(header.name): \(header.value)")
        }
        sfcurl_setopt_slist(handle, CURLOPT_HTTPHEADER, headerList)

        let context = Unmanaged.passUnretained(sink).toOpaque()
        sfcurl_setopt_writefunction(handle) { data, size, count, userdata in
            let sink = Unmanaged<LineSink>.fromOpaque(userdata!).takeUnretainedValue()
            let length = size * count
            if sink.status == 0, let handle = sink.handle {
                var code = 0
                sfcurl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &code)
                sink.status = code
            }
            guard let data else { return length }
            return sink.take(UnsafeRawBufferPointer(start: data, count: length)) ? length : 0
        }
        sfcurl_setopt_ptr(handle, CURLOPT_WRITEDATA, context)
        sfcurl_setopt_long(handle, CURLOPT_NOPROGRESS, 0)
        sfcurl_setopt_xferinfofunction(handle) { userdata, _, _, _, _ in
            let sink = Unmanaged<LineSink>.fromOpaque(userdata!).takeUnretainedValue()
            return sink.cancelled.load(ordering: .relaxed) ? 1 : 0
        }
        sfcurl_setopt_ptr(handle, CURLOPT_XFERINFODATA, context)

        let code = curl_easy_perform(handle)
        var status = 0
        sfcurl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        if code == CURLE_OK || (code == CURLE_WRITE_ERROR && sink.stopped) {
            let body = (200..<300).contains(status) ? [] : sink.errorBody
            return .success(HTTPResponse(status: status, body: body))
        }
        let detail = String(cString: errorBuffer)
        let reason = detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail
        switch code {
        case CURLE_OPERATION_TIMEDOUT:
            return .failure(.timedOut(url: url, after: timeout))
        case CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY, CURLE_RECV_ERROR,
            CURLE_SEND_ERROR, CURLE_GOT_NOTHING, CURLE_PARTIAL_FILE:
            return .failure(.connectFailed(url: url, reason: reason))
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER,
            CURLE_SSL_CACERT_BADFILE, CURLE_SSL_ISSUER_ERROR:
            return .failure(.tls(url: url, reason: reason))
        case CURLE_WRITE_ERROR where sink.lineTooLong:
            return .failure(.responseTooLarge(url: url, limit: maximumLineBytes))
        case CURLE_WRITE_ERROR:
            return .failure(.responseTooLarge(url: url, limit: sink.errorBodyLimit))
        case CURLE_ABORTED_BY_CALLBACK:
            return .failure(.cancelled(url: url))
        default:
            return .failure(.other(url: url, reason: reason))
        }
    }
}
