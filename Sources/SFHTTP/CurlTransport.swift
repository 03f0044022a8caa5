import CSFCurl
import Dispatch
import SFCore
import Synchronization

/// The production `HTTPTransport`: libcurl, one easy handle per request, run off the cooperative pool.
///
/// Supports a total deadline and a connect timeout, a response-size cap, explicit proxy settings,
/// an extra CA bundle on top of the system's, and cancellation (checked by libcurl's progress callback).
public struct CurlTransport: HTTPTransport {
    public struct Options: Sendable {
        /// Larger responses are cut off with `responseTooLarge` (STS answers are a few KiB).
        public var maxResponseBytes: Int = 1 << 20
        public var connectTimeout: Duration = .seconds(5)
        /// PEM file of extra CAs to trust in addition to the system store (a private STS, a test fake).
        public var extraCABundle: String?
        public var proxy: ProxySettings = .init()
        public var userAgent: String = "skyferry"

        public init(
            maxResponseBytes: Int = 1 << 20,
            connectTimeout: Duration = .seconds(5),
            extraCABundle: String? = nil,
            proxy: ProxySettings = .init(),
            userAgent: String = "skyferry"
        ) {
            self.maxResponseBytes = maxResponseBytes
            self.connectTimeout = connectTimeout
            self.extraCABundle = extraCABundle
            self.proxy = proxy
            self.userAgent = userAgent
        }
    }

    public let options: Options

    public init(options: Options = .init()) {
        Self.globalInit
        self.options = options
    }

    private static let globalInit: Void = {
        curl_global_init(Int(CURL_GLOBAL_DEFAULT))
    }()

    public func send(_ request: HTTPRequest, timeout: Duration) async throws(HTTPTransportError) -> HTTPResponse {
        let sink = ResponseSink(limit: options.maxResponseBytes)
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

    /// Collects the response; shared with libcurl's C callbacks through an unretained pointer.
    final class ResponseSink: Sendable {
        let limit: Int
        let cancelled = Atomic<Bool>(false)
        // Touched only by the thread running curl_easy_perform.
        nonisolated(unsafe) var body: [UInt8] = []
        nonisolated(unsafe) var headers: [(name: String, value: String)] = []
        nonisolated(unsafe) var exceeded = false

        init(limit: Int) { self.limit = limit }
    }

    private static func perform(
        _ request: HTTPRequest,
        timeout: Duration,
        options: Options,
        sink: ResponseSink
    ) -> Result<HTTPResponse, HTTPTransportError> {
        let url = request.url
        // Checked before anything is sent: libcurl would send a CR/LF in a value as it is.
        for header in request.headers {
            if let reason = HTTPHeaderRules.problem(name: header.name, value: header.value) {
                let origin = request.headerOrigins[header.name.lowercased()] ?? "skyferry's request builder"
                return .failure(.invalidHeader(url: url, name: header.name, origin: origin, reason: reason))
            }
        }
        guard let handle = curl_easy_init() else { return .failure(.other(url: url, reason: "curl_easy_init failed")) }
        defer { curl_easy_cleanup(handle) }
        var headerList: UnsafeMutablePointer<curl_slist>?
        defer { curl_slist_free_all(headerList) }
        let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        defer { errorBuffer.deallocate() }

        let timeoutMS = max(1, Int(timeout.seconds * 1000))
        let connectMS = min(timeoutMS, max(1, Int(options.connectTimeout.seconds * 1000)))
        sfcurl_setopt_string(handle, CURLOPT_URL, url)
        sfcurl_setopt_string(handle, CURLOPT_PROTOCOLS_STR, "http,https")
        sfcurl_setopt_long(handle, CURLOPT_FOLLOWLOCATION, 0)
        sfcurl_setopt_long(handle, CURLOPT_NOSIGNAL, 1)
        sfcurl_setopt_long(handle, CURLOPT_TIMEOUT_MS, timeoutMS)
        sfcurl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, connectMS)
        sfcurl_setopt_string(handle, CURLOPT_USERAGENT, options.userAgent)
        sfcurl_setopt_ptr(handle, CURLOPT_ERRORBUFFER, errorBuffer)
        // Both always set, so libcurl never reads *_proxy/NO_PROXY from the environment: the route is
        // decided by ProxySettings.route (loopback, link-local and metadata hosts never proxied).
        // "" as CURLOPT_PROXY means direct; "" as CURLOPT_NOPROXY means no further bypass.
        sfcurl_setopt_string(handle, CURLOPT_PROXY, options.proxy.route(for: request.endpoint).proxyURL ?? "")
        sfcurl_setopt_string(handle, CURLOPT_NOPROXY, "")
        if let bundle = options.extraCABundle {
            // CAINFO replaces the default bundle; CAPATH keeps the system store trusted alongside it.
            sfcurl_setopt_string(handle, CURLOPT_CAINFO, bundle)
            sfcurl_setopt_string(handle, CURLOPT_CAPATH, "/etc/ssl/certs")
        }

        switch request.method {
        case "GET":
            sfcurl_setopt_long(handle, CURLOPT_HTTPGET, 1)
        case "POST":
            sfcurl_setopt_long(handle, CURLOPT_POST, 1)
        default:
            sfcurl_setopt_string(handle, CURLOPT_CUSTOMREQUEST, request.method)
        }
        if request.method != "GET" {
            sfcurl_setopt_offt(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(request.body.count))
            request.body.withUnsafeBufferPointer { buffer in
                // COPYPOSTFIELDS copies, so the buffer need not outlive this call.
                _ = buffer.withMemoryRebound(to: CChar.self) { chars in
                    sfcurl_setopt_ptr(
                        handle,
                        CURLOPT_COPYPOSTFIELDS,
                        UnsafeMutableRawPointer(mutating: chars.baseAddress ?? UnsafePointer(bitPattern: 1)!)
                    )
                }
            }
        }
        for header in request.headers {
            headerList = curl_slist_append(headerList, "\(header.name): \(header.value)")
        }
        headerList = curl_slist_append(headerList, "Expect:")  // no 100-continue round trip
        sfcurl_setopt_slist(handle, CURLOPT_HTTPHEADER, headerList)

        let context = Unmanaged.passUnretained(sink).toOpaque()
        sfcurl_setopt_writefunction(handle) { data, size, count, userdata in
            let sink = Unmanaged<ResponseSink>.fromOpaque(userdata!).takeUnretainedValue()
            let length = size * count
            if sink.body.count + length > sink.limit {
                sink.exceeded = true
                return 0
            }
            if let data { sink.body.append(contentsOf: UnsafeRawBufferPointer(start: data, count: length)) }
            return length
        }
        sfcurl_setopt_ptr(handle, CURLOPT_WRITEDATA, context)
        sfcurl_setopt_headerfunction(handle) { data, size, count, userdata in
            let sink = Unmanaged<ResponseSink>.fromOpaque(userdata!).takeUnretainedValue()
            let length = size * count
            guard let data else { return length }
            let line = String(decoding: UnsafeRawBufferPointer(start: data, count: length), as: UTF8.self)
            if line.hasPrefix("HTTP/") {
                sink.headers.removeAll()  // a new response (after 100-continue or a proxy CONNECT)
            } else if let colon = line.firstIndex(of: ":") {
                let name = String(line[..<colon])
                let value = line[line.index(after: colon)...].trimmingASCIIWhitespace()
                if sink.headers.count < 200 { sink.headers.append((name, value)) }
            }
            return length
        }
        sfcurl_setopt_ptr(handle, CURLOPT_HEADERDATA, context)
        sfcurl_setopt_long(handle, CURLOPT_NOPROGRESS, 0)
        sfcurl_setopt_xferinfofunction(handle) { userdata, _, _, _, _ in
            let sink = Unmanaged<ResponseSink>.fromOpaque(userdata!).takeUnretainedValue()
            return sink.cancelled.load(ordering: .relaxed) ? 1 : 0
        }
        sfcurl_setopt_ptr(handle, CURLOPT_XFERINFODATA, context)

        let code = curl_easy_perform(handle)
        guard code == CURLE_OK else {
            let detail = String(cString: errorBuffer)
            let reason = detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail
            return .failure(Self.classify(code, url: url, reason: reason, timeout: timeout, sink: sink))
        }
        var status = 0
        sfcurl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        return .success(HTTPResponse(status: status, headers: sink.headers, body: sink.body))
    }

    static func classify(
        _ code: CURLcode,
        url: String,
        reason: String,
        timeout: Duration,
        sink: ResponseSink
    ) -> HTTPTransportError {
        switch code {
        case CURLE_OPERATION_TIMEDOUT:
            return .timedOut(url: url, after: timeout)
        case CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY, CURLE_RECV_ERROR,
            CURLE_SEND_ERROR, CURLE_GOT_NOTHING:
            return .connectFailed(url: url, reason: reason)
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER,
            CURLE_SSL_CACERT_BADFILE, CURLE_SSL_ISSUER_ERROR, CURLE_SSL_PINNEDPUBKEYNOTMATCH,
            CURLE_SSL_INVALIDCERTSTATUS:
            return .tls(url: url, reason: reason)
        case CURLE_WRITE_ERROR where sink.exceeded:
            return .responseTooLarge(url: url, limit: sink.limit)
        case CURLE_ABORTED_BY_CALLBACK:
            return .cancelled(url: url)
        default:
            return .other(url: url, reason: reason)
        }
    }
}
