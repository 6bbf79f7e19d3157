import HostKit
import NIOCore
import NIOHTTP1
import NIOPosix
import SystemPackage

/// One HTTP/1.1 GET on SwiftNIO, waited for: how `verify` scrapes the CM's Prometheus endpoint
/// without starting a `curl` process every few seconds.
///
/// With `namespace`, the socket is created inside that named network namespace (NIO's
/// `connect(to:)` creates it on the calling thread, and a socket keeps the namespace it was
/// made in), so a CM in `verify --netns`'s namespace is reached without `ip netns exec`.
public struct HTTPGet: Sendable {
    public let group: any EventLoopGroup
    public var timeout: TimeAmount

    public init(group: any EventLoopGroup, timeout: TimeAmount = .seconds(2)) {
        self.group = group
        self.timeout = timeout
    }

    /// The body of a 200 answer to `GET url`; blocks the calling thread (never call it on an
    /// event loop).
    public func body(of url: String, namespace: String? = nil) throws(HTTPGetError) -> String {
        guard let parsed = HTTPURL(url), let address = parsed.socketAddress else { throw .invalidURL(url) }
        let eventLoop = group.next()
        let promise = eventLoop.makePromise(of: ByteBuffer.self)
        let authority = parsed.authority
        let deadline = eventLoop.scheduleTask(in: timeout) {
            promise.fail(HTTPGetError.timedOut(address: authority, seconds: Double(timeout.nanoseconds) / 1e9))
        }
        let bootstrap = ClientBootstrap(group: eventLoop)
            .connectTimeout(timeout)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(ResponseCollector(promise: promise, authority: authority))
                }
            }
        let connecting: EventLoopFuture<any Channel>
        if let namespace {
            do {
                connecting = try NetworkNamespaceEntry.run(inNamed: namespace) { () -> EventLoopFuture<any Channel> in
                    bootstrap.connect(to: address)
                }.get()
            } catch {
                deadline.cancel()
                promise.fail(HTTPGetError.namespace(error.description))
                throw .namespace(error.description)
            }
        } else {
            connecting = bootstrap.connect(to: address)
        }
        connecting.whenSuccess { channel in
            var head = HTTPRequestHead(version: .http1_1, method: .GET, uri: parsed.path)
            head.headers.add(name: "Host", value: authority)
            head.headers.add(name: "Accept", value: "text/plain")
            head.headers.add(name: "Connection", value: "close")
            channel.write(HTTPClientRequestPart.head(head), promise: nil)
            channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
            promise.futureResult.whenComplete { _ in channel.close(promise: nil) }
        }
        connecting.whenFailure { error in
            let code = (error as? IOError).map { Errno(rawValue: $0.errnoCode) }
            promise.fail(HTTPGetError.connectFailed(address: authority, errno: code, detail: "\(error)"))
        }
        do {
            var buffer = try promise.futureResult.wait()
            deadline.cancel()
            return buffer.readString(length: buffer.readableBytes) ?? ""
        } catch let error as HTTPGetError {
            deadline.cancel()
            throw error
        } catch {
            deadline.cancel()
            throw .incomplete(address: authority, detail: "\(error)")
        }
    }
}
