import Hummingbird
import NIOCore
import NIOSSL

/// Request context of the ingest listener: keeps the channel so that the handler can read the
/// client certificate the TLS handshake verified.
struct IngestRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }

    /// The verified client certificate: on the connection's channel for HTTP/1.1, on the parent
    /// (connection) channel of an HTTP/2 stream.
    func peerCertificate() async -> NIOSSLCertificate? {
        // An HTTP/2 stream's parent is the connection, whose own parent is the listening socket;
        // an HTTP/1.1 connection's parent is the listening socket.
        let connection = channel.parent.flatMap { $0.parent != nil ? $0 : nil } ?? channel
        return try? await connection.nioSSL_peerCertificate().get()
    }
}
