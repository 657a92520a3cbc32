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
        if let certificate = try? await channel.nioSSL_peerCertificate().get() { return certificate }
        if let parent = channel.parent, let certificate = try? await parent.nioSSL_peerCertificate().get() { return certificate }
        return nil
    }
}
