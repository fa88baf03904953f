public import ObjectStore

/// A managed S3 server a run starts and must stop: a single ``SeaweedFS``, a
/// ``SeaweedFSCluster`` or ``Moto``.
public protocol ManagedS3Server: Sendable {
    /// How to reach it (endpoint, bucket, region, credentials).
    var configuration: S3Configuration { get }
    /// Stops every process and removes its directories and sockets; safe to call more than once.
    func stop() async
}

extension SeaweedFS: ManagedS3Server {}
extension SeaweedFSCluster: ManagedS3Server {}
extension Moto: ManagedS3Server {}
