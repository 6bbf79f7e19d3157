import NIOCore
import Wire

/// The ways out of a connection, as the state machine asks for them.
extension ConnectionHandler {
    /// Writes `KICK reason` and closes once it is out (or after two seconds if the client does
    /// not read): the last thing the client hears says why.
    func perform(_ kick: StateMachine.Kick) {
        if let session = kick.unregister { unregister(session) }
        loop.metrics.kick(kick.reason)
        var extensions = CMPExtensions(reasonString: kick.text)
        if kick.reason == .serverShutdown { extensions.reconnectDelay = server.reconnectDelayMilliseconds }
        writeFinal(.kick(CMPKick(reason: kick.reason, extensions: extensions)))
    }

    func perform(_ close: StateMachine.Close) {
        if let session = close.unregister { unregister(session) }
        context?.close(promise: nil)
    }

    func unregister(_ session: SessionHandle) {
        server.registry.unregister(session)
        server.metrics.sessions.decrement()
    }

    /// Writes the last message of the connection, then closes it the lingering way: our side
    /// first (FIN), reading and discarding whatever the client still sends until it closes too,
    /// for at most two seconds. Closing with unread bytes in the kernel would send a RST, and a
    /// RST makes the client's kernel drop the KICK it has not read yet: the one message that
    /// says why.
    func writeFinal(_ message: CMPMessage) {
        guard let context else { return }
        let written = context.eventLoop.makePromise(of: Void.self)
        write(message, promise: written)
        let channel = context.channel
        written.futureResult.assumeIsolated().whenComplete { _ in
            channel.setOption(ChannelOptions.autoRead, value: true).whenComplete { _ in }
            // TLS and some transports cannot half-close: then close outright.
            channel.close(mode: .output).whenFailure { _ in channel.close(promise: nil) }
        }
        context.eventLoop.assumeIsolated().scheduleTask(in: .seconds(2)) { channel.close(promise: nil) }
    }

    /// A KICK asked from outside this connection (a newer login of the same device).
    func kick(_ reason: CMPResultCode, reason text: String?) {
        guard context != nil, let kick = machine.kickRequested(reason, text: text) else { return }
        perform(kick)
    }

    /// The drain's deadline passed: close without a word.
    func closeQuietly() {
        perform(machine.closeRequested())
    }

    /// SIGTERM: read nothing more; once this connection's own SENDs are answered, KICK
    /// `server-shutdown` and close.
    func beginDrain() {
        guard let context else { return }
        let kick = machine.drainRequested()
        context.channel.setOption(ChannelOptions.autoRead, value: false).whenComplete { _ in }
        if let kick { perform(kick) }
    }
}
