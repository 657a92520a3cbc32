import NIOCore
import NIOPosix
import NIOSSL
import NIOTLS
import Shared
import Synchronization

/// A real TLS server and client on loopback. The server answers each connection with the agent
/// identity it extracted from the client certificate, then closes.
enum TLSHandshakeHarness {
    struct Outcome {
        /// What the client read before the connection closed, or the error it saw.
        let client: Result<String, any Error>
        /// Identities the server extracted.
        let serverIdentities: [String]
        /// Errors the server saw (handshake failures).
        let serverErrors: [String]
    }

    final class Record: Sendable {
        let identities = Mutex<[String]>([])
        let errors = Mutex<[String]>([])
    }

    final class ServerHandler: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer
        let record: Record
        let trustDomain: String
        init(record: Record, trustDomain: String) {
            self.record = record
            self.trustDomain = trustDomain
        }

        func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
            if case TLSUserEvent.handshakeCompleted = event {
                let answer: String
                do {
                    guard let peer = try context.pipeline.syncOperations.nioSSL_peerCertificate() else {
                        throw HarnessError.noPeerCertificate
                    }
                    let identity = try AgentIdentity(peerCertificate: peer, trustDomain: trustDomain)
                    record.identities.withLock { $0.append(identity.agentID) }
                    answer = "agent=\(identity.agentID)\n"
                } catch {
                    record.errors.withLock { $0.append("\(error)") }
                    answer = "no-identity\n"
                }
                let channel = context.channel
                context.writeAndFlush(wrapOutboundOut(channel.allocator.buffer(string: answer)))
                    .whenComplete { _ in channel.close(promise: nil) }
            }
            context.fireUserInboundEventTriggered(event)
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            record.errors.withLock { $0.append("\(error)") }
            context.close(promise: nil)
        }
    }

    final class ClientHandler: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = ByteBuffer
        let done: EventLoopPromise<String>
        var received = ""
        init(done: EventLoopPromise<String>) { self.done = done }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var buffer = unwrapInboundIn(data)
            received += buffer.readString(length: buffer.readableBytes) ?? ""
        }

        func channelInactive(context: ChannelHandlerContext) {
            done.succeed(received)
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            done.fail(error)
            context.close(promise: nil)
        }
    }

    enum HarnessError: Error { case noPeerCertificate }

    static func run(server: TLSConfiguration, client: TLSConfiguration, trustDomain: String) async throws -> Outcome {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let record = Record()
        let serverContext = try NIOSSLContext(configuration: server)
        let clientContext = try NIOSSLContext(configuration: client)
        let listener = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: serverContext))
                    try channel.pipeline.syncOperations.addHandler(ServerHandler(record: record, trustDomain: trustDomain))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let port = listener.localAddress!.port!
        let done = group.next().makePromise(of: String.self)
        let clientResult: Result<String, any Error>
        do {
            let channel = try await ClientBootstrap(group: group)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(
                            try NIOSSLClientHandler(context: clientContext, serverHostname: "localhost"))
                        try channel.pipeline.syncOperations.addHandler(ClientHandler(done: done))
                    }
                }
                .connect(host: "127.0.0.1", port: port).get()
            clientResult = await Result(catching: { try await done.futureResult.get() })
            try? await channel.close()
        } catch {
            done.fail(error)
            clientResult = .failure(error)
        }
        try await listener.close()
        try await group.shutdownGracefully()
        return Outcome(
            client: clientResult, serverIdentities: record.identities.withLock { $0 }, serverErrors: record.errors.withLock { $0 })
    }
}

extension Result where Failure == any Error {
    init(catching body: () async throws -> Success) async {
        do { self = .success(try await body()) } catch { self = .failure(error) }
    }
}
