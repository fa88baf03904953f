import Synchronization

extension InMemoryFileSystem {
    /// What a ``InMemoryFileSystem/powerLoss(tornSeed:)`` took back.
    public struct PowerLossReport: Sendable, Equatable {
        /// Files whose writes since their last sync were dropped (all or all but a torn prefix).
        public var filesCutBack = 0
        /// Bytes of content that differ from before the loss (dropped or reverted).
        public var bytesLost = 0
        /// Directory entries (creations, renames, unlinks) undone because their directory was
        /// not synced after them.
        public var entriesUndone = 0
        /// Handles (and locks) that were open.
        public var handlesClosed = 0
    }

    /// An open handle, for checks of leaked descriptors.
    public struct OpenHandle: Sendable, Equatable {
        /// The path it was opened at.
        public var path: String
        /// Whether it holds a lock taken with ``InMemoryFileSystem/lock(_:)``.
        public var isLock: Bool

        public init(path: String, isLock: Bool) {
            self.path = path
            self.isLock = isLock
        }
    }

    /// Cuts the power: everything returns to its durable state, as after a reboot.
    ///
    /// Every file's content becomes its content as of its last sync; with `tornSeed`, a seeded
    /// prefix of the writes since then survives too (the last of them possibly cut short), as a
    /// disk that wrote some sectors before the power went. Every directory's entries become
    /// those of its last sync, so creations, renames and unlinks not followed by a sync of their
    /// directory are undone; directories no longer reachable vanish with their files. All
    /// handles and locks are gone.
    ///
    /// - Parameter tornSeed: `nil` drops every un-synced write; a seed keeps a reproducible
    ///   prefix of them.
    /// - Returns: what was taken back.
    @discardableResult
    public func powerLoss(tornSeed: UInt64? = nil) -> PowerLossReport {
        state.withLock { state in
            var report = PowerLossReport()
            report.handlesClosed = state.handles.count
            for handle in state.handles.values { state.release(handle.inode) }
            state.handles = [:]
            state.locked = []

            // Directories reachable from the root through durable entries.
            var reachable: Set<String> = ["/"]
            var queue = ["/"]
            while let directory = queue.popLast() {
                for (name, entry) in state.durable[directory] ?? [:] where entry == .directory {
                    let child = (directory == "/" ? "" : directory) + "/" + name
                    if state.durable[child] != nil, reachable.insert(child).inserted { queue.append(child) }
                }
            }
            for directory in Set(state.live.keys).union(state.durable.keys) {
                let before = state.live[directory] ?? [:]
                let after = reachable.contains(directory) ? state.durable[directory] ?? [:] : [:]
                for name in Set(before.keys).union(after.keys) where before[name] != after[name] { report.entriesUndone += 1 }
                for entry in before.values { state.release(entry) }
                state.live[directory] = nil
                if reachable.contains(directory) {
                    for entry in after.values { state.retain(entry) }
                    state.live[directory] = after
                } else {
                    for entry in (state.durable[directory] ?? [:]).values { state.release(entry) }
                    state.durable[directory] = nil
                }
            }

            var random = tornSeed.map { SplitMix64(seed: $0) }
            for id in state.inodes.keys.sorted() {
                var inode = state.inodes[id]!
                guard !inode.pending.isEmpty else { continue }
                let before = inode.content
                inode.content = inode.durable
                if var rng = random {
                    let kept = Int(rng.next() % UInt64(inode.pending.count + 1))
                    for write in inode.pending.prefix(kept) { inode.apply(write.bytes, at: write.offset) }
                    if kept < inode.pending.count, rng.next() & 1 == 1 {
                        let torn = inode.pending[kept]
                        let length = Int(rng.next() % UInt64(torn.bytes.count + 1))
                        if length > 0 { inode.apply(Array(torn.bytes.prefix(length)), at: torn.offset) }
                    }
                    random = rng
                }
                inode.durable = inode.content
                inode.pending = []
                report.filesCutBack += 1
                report.bytesLost += zip(before, inode.content).reduce(abs(before.count - inode.content.count)) { $0 + ($1.0 == $1.1 ? 0 : 1) }
                state.inodes[id] = inode
            }
            return report
        }
    }

    /// The paths of every file, sorted (temp files and leftovers included).
    public func files() -> [String] {
        state.withLock { state in
            var paths: [String] = []
            for (directory, entries) in state.live {
                for (name, entry) in entries {
                    if case .file = entry { paths.append((directory == "/" ? "" : directory) + "/" + name) }
                }
            }
            return paths.sorted()
        }
    }

    /// The handles open now, sorted by path.
    public func openHandles() -> [OpenHandle] {
        state.withLock { state in
            state.handles.values.map { OpenHandle(path: $0.path, isLock: $0.isLock) }.sorted { $0.path < $1.path }
        }
    }

    /// How many handles are open now (locks included).
    public var openHandleCount: Int {
        state.withLock { $0.handles.count }
    }
}
