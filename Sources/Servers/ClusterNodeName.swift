/// A process of a managed store cluster: what a node fault acts on (`"node"` in a scenario
/// rule) and what ``SeaweedFSCluster`` starts, stops and signals.
public enum ClusterNodeName: Hashable, Sendable, CustomStringConvertible {
    case master
    /// A volume server, numbered from 1.
    case volume(Int)
    case filer
    case s3

    /// Parses `master`, `volume:N`, `filer` or `s3`.
    public init?(_ text: String) {
        switch text {
        case "master": self = .master
        case "filer": self = .filer
        case "s3": self = .s3
        default:
            guard text.hasPrefix("volume:"), let index = Int(text.dropFirst("volume:".count)), index >= 1,
                  String(index) == text.dropFirst("volume:".count) else { return nil }
            self = .volume(index)
        }
    }

    public var description: String {
        switch self {
        case .master: "master"
        case .volume(let index): "volume:\(index)"
        case .filer: "filer"
        case .s3: "s3"
        }
    }
}
