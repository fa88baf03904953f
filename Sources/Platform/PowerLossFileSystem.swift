import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The real disk, recorded so that a power loss can be played on it: every write, fsync,
/// creation, rename and unlink is noted with the data to undo it, and ``rollBack(tornSeed:)``
/// returns the directories it touched to what was durable.
///
/// LazyFS and RocksDB's `FaultInjectionTestFS` do this below the application; here it is the
/// cache's file layer, in-process, so a crash trial stays deterministic: at the death point the
/// child rolls back and exits at once. What it keeps:
/// - per file, its durable length (at the last `fsync`) and the old bytes of every durable range
///   a later write overwrote (ranged downloads write at offsets);
/// - per directory, its entries as of its last directory `fsync` (entries found on disk when a
///   directory is first touched count as durable), and the durable content of files unlinked or
///   replaced since.
///
/// Every operation runs under one lock, so a roll-back never interleaves with one. Directories
/// themselves are taken as durable once created (``createDirectories(_:)`` syncs their parents).
public final class PowerLossFileSystem: FileSystem {
    struct File {
        /// Where the file is now, if it is linked.
        var path: String?
        var durableLength: UInt64
        /// Old bytes of durable ranges overwritten since the last fsync, in order.
        var undo: [(offset: UInt64, bytes: [UInt8])] = []
        /// The durable content of a file whose durable name was unlinked or replaced.
        var saved: [UInt8]?
    }

    struct State {
        var files: [Int: File] = [:]
        var live: [String: [String: Int]] = [:]
        var durable: [String: [String: Int]] = [:]
        var handles: [Int32: Int] = [:]
        var nextFile = 1
    }

    /// What a roll-back did.
    public struct RollBackReport: Sendable, Equatable {
        /// Files cut back to their durable length (or a torn prefix beyond it) or restored.
        public var filesCutBack = 0
        /// Entries removed because their creation or rename was not durable.
        public var entriesRemoved = 0
        /// Entries put back because their unlink or rename away was not durable.
        public var entriesRestored = 0
    }

    private let disk = PosixFileSystem()
    private let state = Mutex(State())

    /// Records operations on the real disk.
    public init() {}

    static func split(_ path: String) -> (directory: String, name: String) {
        guard let slash = path.lastIndex(of: "/") else { return (".", path) }
        let directory = String(path[..<slash])
        return (directory.isEmpty ? "/" : directory, String(path[path.index(after: slash)...]))
    }

    // MARK: - Operations

    public func openForReading(_ path: String) throws(LocalFileError) -> LocalFileHandle {
        try state.withLock { (state) throws(LocalFileError) -> LocalFileHandle in
            let handle = try disk.openForReading(path)
            let (directory, name) = Self.split(path)
            state.track(directory, disk)
            if let id = state.live[directory]?[name] { state.handles[handle.id] = id }
            return handle
        }
    }

    public func createExclusive(_ path: String) throws(LocalFileError) -> LocalFileHandle {
        try state.withLock { (state) throws(LocalFileError) -> LocalFileHandle in
            let (directory, name) = Self.split(path)
            state.track(directory, disk)
            let handle = try disk.createExclusive(path)
            let id = state.newFile(path: path, durableLength: 0)
            state.live[directory, default: [:]][name] = id
            state.handles[handle.id] = id
            return handle
        }
    }

    public func size(of handle: LocalFileHandle) throws(LocalFileError) -> UInt64 { try disk.size(of: handle) }

    public func read(_ handle: LocalFileHandle, at offset: UInt64, count: Int) throws(LocalFileError) -> [UInt8] {
        try disk.read(handle, at: offset, count: count)
    }

    public func write(_ handle: LocalFileHandle, _ bytes: [UInt8], at offset: UInt64) throws(LocalFileError) {
        try state.withLock { (state) throws(LocalFileError) in
            if let id = state.handles[handle.id], let durable = state.files[id]?.durableLength, offset < durable {
                let end = min(offset + UInt64(bytes.count), durable)
                let old = try disk.read(handle, at: offset, count: Int(end - offset))
                state.files[id]!.undo.append((offset, old))
            }
            try disk.write(handle, bytes, at: offset)
        }
    }

    public func sync(_ handle: LocalFileHandle) throws(LocalFileError) {
        try state.withLock { (state) throws(LocalFileError) in
            try disk.sync(handle)
            guard let id = state.handles[handle.id] else { return }
            state.files[id]!.durableLength = try disk.size(of: handle)
            state.files[id]!.undo = []
        }
    }

    public func close(_ handle: LocalFileHandle) {
        state.withLock { state in
            state.handles[handle.id] = nil
            disk.close(handle)
        }
    }

    public func createDirectories(_ path: String) throws(LocalFileError) {
        try state.withLock { (_) throws(LocalFileError) in try disk.createDirectories(path) }
    }

    public func listDirectory(_ path: String) throws(LocalFileError) -> [String] {
        try state.withLock { (_) throws(LocalFileError) -> [String] in try disk.listDirectory(path) }
    }

    public func status(_ path: String) throws(LocalFileError) -> LocalFiles.FileStatus? {
        try state.withLock { (_) throws(LocalFileError) -> LocalFiles.FileStatus? in try disk.status(path) }
    }

    @discardableResult
    public func remove(_ path: String) throws(LocalFileError) -> Bool {
        try state.withLock { (state) throws(LocalFileError) -> Bool in
            let (directory, name) = Self.split(path)
            state.track(directory, disk)
            if let id = state.live[directory]?[name] { state.saveIfDurable(id, disk) }
            let removed = try disk.remove(path)
            if let id = state.live[directory]?.removeValue(forKey: name) { state.files[id]?.path = nil }
            return removed
        }
    }

    public func rename(_ source: String, to destination: String) throws(LocalFileError) {
        try state.withLock { (state) throws(LocalFileError) in
            let (fromDirectory, fromName) = Self.split(source)
            let (toDirectory, toName) = Self.split(destination)
            state.track(fromDirectory, disk)
            state.track(toDirectory, disk)
            if let replaced = state.live[toDirectory]?[toName] { state.saveIfDurable(replaced, disk) }
            try disk.rename(source, to: destination)
            if let replaced = state.live[toDirectory]?[toName] { state.files[replaced]?.path = nil }
            let id = state.live[fromDirectory]?.removeValue(forKey: fromName)
            state.live[toDirectory, default: [:]][toName] = id
            if let id { state.files[id]?.path = destination }
        }
    }

    public func syncDirectory(_ path: String) throws(LocalFileError) {
        try state.withLock { (state) throws(LocalFileError) in
            try disk.syncDirectory(path)
            state.track(path, disk)
            state.durable[path] = state.live[path]
        }
    }

    public func lock(_ path: String) throws(LocalFileError) -> LocalFileHandle { try disk.lock(path) }
    public func unlock(_ handle: LocalFileHandle) { disk.unlock(handle) }

    // MARK: - Roll-back

    /// Returns every directory this layer touched to its durable state: files cut back to their
    /// durable length (with `tornSeed`, a seeded prefix of what was written after it survives)
    /// with overwritten durable bytes put back; entries whose creation or rename was not made
    /// durable removed; entries whose unlink or rename away was not made durable restored.
    ///
    /// For the moment of a crash: the caller exits at once afterwards. Holds the layer's lock
    /// throughout, so no operation of another thread interleaves.
    @discardableResult
    public func rollBack(tornSeed: UInt64? = nil) -> RollBackReport {
        state.withLock { state in
            var report = RollBackReport()
            var random = tornSeed.map { SplitMix64(seed: $0) }
            // Files in place: undo overwrites, cut the tail.
            for id in state.files.keys.sorted() {
                guard let file = state.files[id], let path = file.path else { continue }
                let size = (try? disk.status(path))??.size ?? 0
                guard size != file.durableLength || !file.undo.isEmpty else { continue }
                var keep = file.durableLength
                if var rng = random, size > file.durableLength {
                    keep += rng.next() % (size - file.durableLength + 1)
                    random = rng
                }
                let fd = Glibc.open(path, O_WRONLY | O_CLOEXEC)
                if fd >= 0 {
                    for (offset, bytes) in file.undo.reversed() {
                        _ = bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress!, $0.count, off_t(offset)) }
                    }
                    _ = ftruncate(fd, off_t(keep))
                    Glibc.close(fd)
                }
                report.filesCutBack += 1
            }
            // Entries: gather what each durable entry needs, then remove, then put back.
            var restore: [(path: String, bytes: [UInt8])] = []
            for (directory, entries) in state.durable {
                for (name, id) in entries where state.live[directory]?[name] != id {
                    guard let file = state.files[id] else { continue }
                    if let saved = file.saved {
                        restore.append((directory + "/" + name, saved))
                    } else if let path = file.path, let bytes = try? disk.readWholeFile(path) {
                        restore.append((directory + "/" + name, bytes))
                    }
                }
            }
            for (directory, entries) in state.live {
                let durable = state.durable[directory] ?? [:]
                for (name, id) in entries where durable[name] != id {
                    _ = try? disk.remove(directory + "/" + name)
                    report.entriesRemoved += 1
                }
            }
            for (path, bytes) in restore {
                let fd = Glibc.open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
                guard fd >= 0 else { continue }
                _ = bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
                Glibc.close(fd)
                report.entriesRestored += 1
            }
            state.live = state.durable
            return report
        }
    }
}

extension PowerLossFileSystem.State {
    mutating func newFile(path: String, durableLength: UInt64) -> Int {
        defer { nextFile += 1 }
        files[nextFile] = PowerLossFileSystem.File(path: path, durableLength: durableLength)
        return nextFile
    }

    /// Starts recording `directory`: the files on disk now are durable as they are.
    mutating func track(_ directory: String, _ disk: PosixFileSystem) {
        guard live[directory] == nil else { return }
        var entries: [String: Int] = [:]
        for name in (try? disk.listDirectory(directory)) ?? [] {
            let path = directory + "/" + name
            guard let status = try? disk.status(path), status.isRegularFile else { continue }
            entries[name] = newFile(path: path, durableLength: status.size)
        }
        live[directory] = entries
        durable[directory] = entries
    }

    /// Keeps the durable content of `id`, about to be unlinked or replaced, when a durable entry
    /// names it (a roll-back puts it back there).
    mutating func saveIfDurable(_ id: Int, _ disk: PosixFileSystem) {
        guard let file = files[id], file.saved == nil, durable.values.contains(where: { $0.values.contains(id) }),
              let path = file.path, var bytes = try? disk.readWholeFile(path) else { return }
        for (offset, old) in file.undo.reversed() {
            let start = Int(offset)
            if start + old.count <= bytes.count { bytes.replaceSubrange(start..<start + old.count, with: old) }
        }
        files[id]!.saved = Array(bytes.prefix(Int(file.durableLength)))
    }
}
