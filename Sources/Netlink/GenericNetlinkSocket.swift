internal import CNetlink
internal import Glibc

/// A generic-netlink family as this kernel numbers it (`genl_ctrl_resolve`); the id differs from
/// boot to boot, so it is always looked up by name.
public struct GenericNetlinkFamily: Sendable, Hashable {
    public var name: String
    public var id: UInt16

    public init(name: String, id: UInt16) {
        self.name = name
        self.id = id
    }
}

/// A generic-netlink socket that owns its libnl `nl_sock`.
///
/// It is a class so that exactly one owner frees the socket (in `deinit`), and it is not
/// `Sendable` because libnl sockets are not thread-safe: a caller that shares one across
/// threads must serialise access (as `LiveDeviceFacts` does). Every reply is copied out into
/// Swift values before libnl's buffer is released, so no pointer outlives a call.
public final class GenericNetlinkSocket {
    private let handle: OpaquePointer
    /// The named network namespace the socket was created in, or nil for the caller's own.
    public let networkNamespace: String?

    /// How long one receive may block before the request is declared unanswered.
    private static let receiveTimeoutSeconds = 10

    /// Opens and connects the socket, inside `/run/netns/NAME` when a namespace is named: a
    /// netlink socket speaks for the namespace it was created in, whatever thread uses it later.
    public init(networkNamespace: String? = nil) throws(NetlinkError) {
        let operation = "open generic netlink socket" + (networkNamespace.map { " in network namespace \($0)" } ?? "")
        guard let handle = nl_socket_alloc() else {
            throw NetlinkError(operation: operation, code: .outOfMemory, message: "out of memory")
        }
        do {
            try NamespacedSocket.run(named: networkNamespace) { () throws(NetlinkError) in
                let result = genl_connect(handle)
                if result < 0 { throw NetlinkError.libnl(operation: operation, returned: result) }
            }
        } catch {
            nl_socket_free(handle)
            throw error
        }
        self.handle = handle
        self.networkNamespace = networkNamespace
        configure()
    }

    deinit {
        nl_socket_free(handle)
    }

    /// Socket options that only improve error reports or robustness; a kernel that lacks one
    /// still answers requests, so failures here are ignored.
    private func configure() {
        let descriptor = nl_socket_get_fd(handle)
        var one: Int32 = 1
        let intSize = socklen_t(MemoryLayout<Int32>.size)
        // Ask for the kernel's reason in words (NLMSGERR_ATTR_MSG) with each error.
        _ = setsockopt(descriptor, SOL_NETLINK, NETLINK_EXT_ACK, &one, intSize)
        // Errors echo only the request's header, not the whole request.
        _ = setsockopt(descriptor, SOL_NETLINK, NETLINK_CAP_ACK, &one, intSize)
        // A kernel that never answers must not hang a diagnostic tool.
        var timeout = timeval(tv_sec: Self.receiveTimeoutSeconds, tv_usec: 0)
        _ = setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        // Peek at each datagram's size first so large dump batches are never truncated.
        nl_socket_enable_msg_peek(handle)
    }

    /// Looks a family up by name. A kernel without the family answers with libnl's "object not
    /// found"; that error carries `missingFamily` so callers can report "not supported".
    public func resolveFamily(_ name: String) throws(NetlinkError) -> GenericNetlinkFamily {
        let result = genl_ctrl_resolve(handle, name)
        guard result >= 0 else {
            let code = LibnlCode(returned: result)
            let operation = "resolve generic netlink family \(name)"
            if code == .objectNotFound {
                throw NetlinkError(
                    operation: operation, code: code, missingFamily: name,
                    message: "this kernel has no generic netlink family \"\(name)\"")
            }
            throw NetlinkError.libnl(operation: operation, returned: result)
        }
        return GenericNetlinkFamily(name: name, id: UInt16(truncatingIfNeeded: result))
    }

    /// Sends one request and returns every reply, stopping at the kernel's ACK (a do request) or
    /// NLMSG_DONE (a dump).
    ///
    /// - Parameters:
    ///   - operation: how an error names this call, e.g. `ethtool CHANNELS_GET eth0`.
    ///   - privilege: what an EPERM means the caller lacks, for the error's sentence.
    public func request(
        family: GenericNetlinkFamily, command: UInt8, version: UInt8 = 1, dump: Bool = false,
        attributes: [NetlinkAttribute] = [], operation: String, privilege: String = "CAP_NET_ADMIN"
    ) throws(NetlinkError) -> [GenericNetlinkMessage] {
        let sequence = try send(
            family: family, command: command, version: version, dump: dump,
            payload: attributes.netlinkEncoded(), operation: operation)
        let exchange = try receive(sequence: sequence, operation: operation)
        if let acknowledgement = exchange.acknowledgement, acknowledgement.errno != 0 {
            throw NetlinkError.kernel(
                operation: operation, errno: acknowledgement.errno, extendedAck: acknowledgement.message,
                privilege: privilege)
        }
        var messages: [GenericNetlinkMessage] = []
        messages.reserveCapacity(exchange.rawMessages.count)
        for raw in exchange.rawMessages {
            messages.append(try GenericNetlinkMessage(rawMessage: raw))
        }
        return messages
    }

    // nlmsg_flags for a dump request (linux/netlink.h): NLM_F_ROOT | NLM_F_MATCH.
    private static let dumpFlags: Int32 = 0x300

    /// Builds and sends the message; returns the sequence number libnl assigned, which every
    /// reply to this request carries.
    private func send(
        family: GenericNetlinkFamily, command: UInt8, version: UInt8, dump: Bool, payload: [UInt8],
        operation: String
    ) throws(NetlinkError) -> UInt32 {
        guard let message = nlmsg_alloc() else {
            throw NetlinkError(operation: operation, code: .outOfMemory, message: "out of memory")
        }
        defer { nlmsg_free(message) }
        guard
            genlmsg_put(
                message, UInt32(NL_AUTO_PORT), UInt32(NL_AUTO_SEQ), Int32(family.id), 0,
                dump ? Self.dumpFlags : 0, command, version) != nil
        else {
            throw NetlinkError(operation: operation, code: .outOfMemory, message: "out of memory building the request")
        }
        if !payload.isEmpty {
            var bytes = payload
            let appended = bytes.withUnsafeMutableBytes { buffer in
                nlmsg_append(message, buffer.baseAddress, buffer.count, Int32(NLMSG_ALIGNTO))
            }
            if appended < 0 { throw NetlinkError.libnl(operation: operation, returned: appended) }
        }
        // nl_send_auto fills in port and sequence and adds NLM_F_REQUEST | NLM_F_ACK.
        let sent = nl_send_auto(handle, message)
        if sent < 0 { throw NetlinkError.libnl(operation: operation, returned: sent) }
        return nlmsg_hdr(message).pointee.nlmsg_seq
    }

    /// What the callbacks gather while libnl reads: raw copies of the replies, and the kernel's
    /// final word. Passed to the C callbacks through their `void *` argument.
    private final class Exchange {
        let sequence: UInt32
        var rawMessages: [[UInt8]] = []
        var acknowledgement: KernelAcknowledgement?
        var parseFailure: NetlinkError?
        var finished = false
        /// Callbacks seen; a receive that returns without any means the socket timed out.
        var events = 0

        init(sequence: UInt32) {
            self.sequence = sequence
        }
    }

    private func receive(sequence: UInt32, operation: String) throws(NetlinkError) -> Exchange {
        guard let callbacks = nl_cb_alloc(NL_CB_DEFAULT) else {
            throw NetlinkError(operation: operation, code: .outOfMemory, message: "out of memory")
        }
        defer { nl_cb_put(callbacks) }
        let exchange = Exchange(sequence: sequence)
        let context = Unmanaged.passUnretained(exchange).toOpaque()

        // Replies to an earlier request that gave up early (a timeout) carry an older sequence
        // number; skip them instead of failing this request the way libnl's default check would.
        nl_cb_set(
            callbacks, NL_CB_SEQ_CHECK, NL_CB_CUSTOM,
            { message, context in
                let exchange = Unmanaged<Exchange>.fromOpaque(context!).takeUnretainedValue()
                exchange.events += 1
                let sequence = nlmsg_hdr(message).pointee.nlmsg_seq
                return Int32(sequence == exchange.sequence ? NL_OK.rawValue : NL_SKIP.rawValue)
            }, context)

        nl_cb_set(
            callbacks, NL_CB_VALID, NL_CB_CUSTOM,
            { message, context in
                let exchange = Unmanaged<Exchange>.fromOpaque(context!).takeUnretainedValue()
                let header = nlmsg_hdr(message)!
                let length = Int(header.pointee.nlmsg_len)
                exchange.rawMessages.append(Array(UnsafeRawBufferPointer(start: header, count: length)))
                return Int32(NL_OK.rawValue)
            }, context)

        nl_cb_set(
            callbacks, NL_CB_ACK, NL_CB_CUSTOM,
            { _, context in
                let exchange = Unmanaged<Exchange>.fromOpaque(context!).takeUnretainedValue()
                exchange.acknowledgement = KernelAcknowledgement(errno: 0)
                exchange.finished = true
                return Int32(NL_STOP.rawValue)
            }, context)

        // A dump ends with NLMSG_DONE, whose payload is the dump's errno (0 when it completed).
        nl_cb_set(
            callbacks, NL_CB_FINISH, NL_CB_CUSTOM,
            { message, context in
                let exchange = Unmanaged<Exchange>.fromOpaque(context!).takeUnretainedValue()
                let header = nlmsg_hdr(message)!
                let raw = Array(UnsafeRawBufferPointer(start: header, count: Int(header.pointee.nlmsg_len)))
                do throws(NetlinkError) {
                    exchange.acknowledgement = try KernelAcknowledgement(doneMessage: raw)
                } catch {
                    exchange.parseFailure = error
                }
                exchange.finished = true
                return Int32(NL_STOP.rawValue)
            }, context)

        // libnl hands the error callback only the `nlmsgerr`; it sits right after the message
        // header inside the received datagram (libnl checked the length), so step back to the
        // header to copy the whole message, extended-ack attributes included.
        nl_cb_err(
            callbacks, NL_CB_CUSTOM,
            { _, failure, context in
                let exchange = Unmanaged<Exchange>.fromOpaque(context!).takeUnretainedValue()
                exchange.finished = true
                guard let failure else { return Int32(NL_STOP.rawValue) }
                let header = UnsafeRawPointer(failure) - NetlinkMessageHeader.length
                let length = Int(header.loadUnaligned(as: UInt32.self))
                let raw = Array(UnsafeRawBufferPointer(start: header, count: length))
                do {
                    exchange.acknowledgement = try KernelAcknowledgement(errorMessage: raw)
                } catch {
                    // Keep the errno even if the extended ack is unreadable.
                    exchange.acknowledgement = KernelAcknowledgement(
                        errno: Int32(clamping: abs(Int64(failure.pointee.error))))
                }
                return Int32(NL_STOP.rawValue)
            }, context)

        while !exchange.finished {
            let eventsBefore = exchange.events
            let result = nl_recvmsgs(handle, callbacks)
            if result < 0 {
                // The error callback returns NL_STOP, which makes libnl return the errno's code;
                // the raw errno and extended ack are in the exchange.
                if let acknowledgement = exchange.acknowledgement, acknowledgement.errno != 0 { break }
                throw NetlinkError.libnl(operation: operation, returned: result)
            }
            if result == 0 && exchange.events == eventsBefore && !exchange.finished {
                throw NetlinkError(
                    operation: operation, errno: EAGAIN,
                    message: "the kernel did not answer within \(Self.receiveTimeoutSeconds) seconds")
            }
        }
        if let failure = exchange.parseFailure { throw failure }
        return exchange
    }
}

@available(*, unavailable, message: "a libnl socket is not thread-safe; give each thread its own or serialise access")
extension GenericNetlinkSocket: Sendable {}
