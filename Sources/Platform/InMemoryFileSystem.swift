import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A whole file system in memory that also knows what is *durable*: a model of a disk that
/// loses power.
///
/// Fast and deterministic (no system calls; its ``preferredExecutor`` is inline), for
/// simulations and tests. Beside the live state it keeps, per file, the content as of its last
/// ``sync(_:)`` and the writes since, and per directory the entries as of its last
/// ``syncDirectory(_:)``. ``powerLoss(tornSeed:)`` returns it to that durable state, the way
/// LazyFS or RocksDB's `FaultInjectionTestFS` do: un-synced tails are dropped (or a seeded
/// prefix of them kept), and creations, renames and unlinks are undone where the directory
/// was not synced after them.
///
/// It counts open handles and lists its files, so a checker sees leaked descriptors and temp
/// files of this layer alone, whatever else the process does.
public final class InMemoryFileSystem: FileSystem {
    enum Entry: Equatable {
        case file(Int)
        case directory
    }

    struct Inode {
        var content: [UInt8] = []
        /// The content as of the last sync.
        var durable: [UInt8] = []
        /// Writes since the last sync, in order.
        var pending: [(offset: UInt64, bytes: [UInt8])] = []
        var modified = 0
        /// Live entries, durable entries and open handles naming this inode.
        var references = 0
    }

    struct Handle {
        var inode: Int
        var path: String
        var isLock: Bool
    }

    struct State {
        var inodes: [Int: Inode] = [:]
        /// Directory path -> its live entries. A directory exists iff it has a key here.
        var live: [String: [String: Entry]] = ["/": [:]]
        /// Directory path -> its entries as of its last sync.
        var durable: [String: [String: Entry]] = ["/": [:]]
        var handles: [Int32: Handle] = [:]
        var locked: Set<String> = []
        var nextInode = 1
        var nextHandle: Int32 = 3
        var clock = 0
    }

    let state = Mutex(State())

    /// Creates an empty file system holding only `/`.
    public init() {}

    public var preferredExecutor: BlockingExecutor { .inline }

    // MARK: - Paths

    /// `path` as `/a/b` (relative paths are taken from `/`), and its parent and last component.
    static func split(_ path: String) -> (path: String, parent: String, name: String) {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true)
        guard let last = parts.last else { return ("/", "/", "") }
        let parent = "/" + parts.dropLast().joined(separator: "/")
        return ("/" + parts.joined(separator: "/"), parent, String(last))
    }

    static func failure(_ operation: String, _ path: String, _ errno: Int32) -> LocalFileError {
        LocalFileError(operation: operation, path: path, errno: errno)
    }

    // MARK: - Files

    public func openForReading(_ path: String) throws(LocalFileError) -> LocalFileHandle {
        try state.withLock { (state) throws(LocalFileError) -> LocalFileHandle in
            let (full, parent, name) = Self.split(path)
            switch state.live[parent]?[name] {
            case .file(let inode): return state.open(inode: inode, path: full, isLock: false)
            case .directory: throw Self.failure("open", path, EISDIR)
            case nil: throw Self.failure("open", path, ENOENT)
            }
        }
    }

    public func createExclusive(_ path: String) throws(LocalFileError) -> LocalFileHandle {
        try state.withLock { (state) throws(LocalFileError) -> LocalFileHandle in
            let (full, parent, name) = Self.split(path)
            guard state.live[parent] != nil else { throw Self.failure("create", path, ENOENT) }
            guard state.live[parent]![name] == nil else { throw Self.failure("create", path, EEXIST) }
            let inode = state.makeInode()
            state.setLive(parent, name, .file(inode))
            return state.open(inode: inode, path: full, isLock: false)
        }
    }

    public func size(of handle: LocalFileHandle) throws(LocalFileError) -> UInt64 {
        try state.withLock { (state) throws(LocalFileError) -> UInt64 in
            UInt64(state.inodes[try state.inode(of: handle, "fstat")]!.content.count)
        }
    }

    public func read(_ handle: LocalFileHandle, at offset: UInt64, count: Int) throws(LocalFileError) -> [UInt8] {
        try state.withLock { (state) throws(LocalFileError) -> [UInt8] in
            let content = state.inodes[try state.inode(of: handle, "pread")]!.content
            guard offset < UInt64(content.count), count > 0 else { return [] }
            let start = Int(offset)
            return Array(content[start..<min(content.count, start + count)])
        }
    }

    public func write(_ handle: LocalFileHandle, _ bytes: [UInt8], at offset: UInt64) throws(LocalFileError) {
        try state.withLock { (state) throws(LocalFileError) in
            let id = try state.inode(of: handle, "pwrite")
            state.clock += 1
            let clock = state.clock
            state.inodes[id]!.apply(bytes, at: offset)
            state.inodes[id]!.pending.append((offset, bytes))
            state.inodes[id]!.modified = clock
        }
    }

    public func sync(_ handle: LocalFileHandle) throws(LocalFileError) {
        try state.withLock { (state) throws(LocalFileError) in
            let id = try state.inode(of: handle, "fsync")
            state.inodes[id]!.durable = state.inodes[id]!.content
            state.inodes[id]!.pending = []
        }
    }

    public func close(_ handle: LocalFileHandle) {
        state.withLock { state in
            guard let open = state.handles.removeValue(forKey: handle.id) else { return }
            state.release(open.inode)
        }
    }

    // MARK: - Directories

    public func createDirectories(_ path: String) throws(LocalFileError) {
        try state.withLock { (state) throws(LocalFileError) in
            var current = ""
            for component in path.split(separator: "/", omittingEmptySubsequences: true) {
                let parent = current.isEmpty ? "/" : current
                current += "/" + component
                switch state.live[parent]?[String(component)] {
                case .directory: continue
                case .file: throw Self.failure("mkdir", current, EEXIST)
                case nil:
                    state.setLive(parent, String(component), .directory)
                    state.live[current] = [:]
                    state.durable[current] = [:]
                    // Like PosixFileSystem: the parent is synced, so the new directory is durable.
                    state.syncDirectory(parent)
                }
            }
        }
    }

    public func listDirectory(_ path: String) throws(LocalFileError) -> [String] {
        try state.withLock { (state) throws(LocalFileError) -> [String] in
            let (full, parent, name) = Self.split(path)
            guard let entries = state.live[full] else {
                throw Self.failure("opendir", path, state.live[parent]?[name] == nil ? ENOENT : ENOTDIR)
            }
            return Array(entries.keys)
        }
    }

    public func status(_ path: String) throws(LocalFileError) -> LocalFiles.FileStatus? {
        state.withLock { state -> LocalFiles.FileStatus? in
            let (full, parent, name) = Self.split(path)
            if full == "/" { return LocalFiles.FileStatus(size: 0, isRegularFile: false, isDirectory: true) }
            switch state.live[parent]?[name] {
            case .file(let id):
                let inode = state.inodes[id]!
                return LocalFiles.FileStatus(size: UInt64(inode.content.count), isRegularFile: true, isDirectory: false,
                                             modifiedNanoseconds: inode.modified)
            case .directory: return LocalFiles.FileStatus(size: 0, isRegularFile: false, isDirectory: true)
            case nil: return nil
            }
        }
    }

    @discardableResult
    public func remove(_ path: String) throws(LocalFileError) -> Bool {
        try state.withLock { (state) throws(LocalFileError) -> Bool in
            let (_, parent, name) = Self.split(path)
            switch state.live[parent]?[name] {
            case nil: return false
            case .directory: throw Self.failure("unlink", path, EISDIR)
            case .file:
                state.setLive(parent, name, nil)
                return true
            }
        }
    }

    public func rename(_ source: String, to destination: String) throws(LocalFileError) {
        try state.withLock { (state) throws(LocalFileError) in
            let described = "\(source) -> \(destination)"
            let (_, fromParent, fromName) = Self.split(source)
            let (_, toParent, toName) = Self.split(destination)
            guard case .file(let inode) = state.live[fromParent]?[fromName] else {
                let exists = state.live[fromParent]?[fromName] != nil
                if exists {
                    throw LocalFileError(code: .io, operation: "rename", path: described,
                                         message: "rename failed for '\(described)': InMemoryFileSystem renames files only, not directories")
                }
                throw Self.failure("rename", described, ENOENT)
            }
            guard state.live[toParent] != nil else { throw Self.failure("rename", described, ENOENT) }
            if state.live[toParent]![toName] == .directory { throw Self.failure("rename", described, EISDIR) }
            if fromParent == toParent, fromName == toName { return }
            state.setLive(toParent, toName, .file(inode))
            state.setLive(fromParent, fromName, nil)
        }
    }

    public func syncDirectory(_ path: String) throws(LocalFileError) {
        try state.withLock { (state) throws(LocalFileError) in
            let full = Self.split(path).path
            guard state.live[full] != nil else { throw Self.failure("open", path, ENOENT) }
            state.syncDirectory(full)
        }
    }

    // MARK: - Locks

    public func lock(_ path: String) throws(LocalFileError) -> LocalFileHandle {
        try state.withLock { (state) throws(LocalFileError) -> LocalFileHandle in
            let (full, parent, name) = Self.split(path)
            guard !state.locked.contains(full) else {
                throw LocalFileError(code: .locked, operation: "flock", path: path,
                                     message: "'\(path)' is locked by another process: two processes cannot share one cache directory")
            }
            let inode: Int
            switch state.live[parent]?[name] {
            case .file(let existing): inode = existing
            case .directory: throw Self.failure("open", path, EISDIR)
            case nil:
                guard state.live[parent] != nil else { throw Self.failure("open", path, ENOENT) }
                inode = state.makeInode()
                state.setLive(parent, name, .file(inode))
            }
            state.locked.insert(full)
            return state.open(inode: inode, path: full, isLock: true)
        }
    }

    public func unlock(_ handle: LocalFileHandle) {
        state.withLock { state in
            guard let open = state.handles.removeValue(forKey: handle.id) else { return }
            state.locked.remove(open.path)
            state.release(open.inode)
        }
    }
}

extension InMemoryFileSystem.Inode {
    mutating func apply(_ bytes: [UInt8], at offset: UInt64) {
        let end = Int(offset) + bytes.count
        if content.count < end { content += [UInt8](repeating: 0, count: end - content.count) }
        content.replaceSubrange(Int(offset)..<end, with: bytes)
    }
}

extension InMemoryFileSystem.State {
    typealias Entry = InMemoryFileSystem.Entry

    mutating func makeInode() -> Int {
        defer { nextInode += 1 }
        clock += 1
        inodes[nextInode] = InMemoryFileSystem.Inode(modified: clock)
        return nextInode
    }

    mutating func open(inode: Int, path: String, isLock: Bool) -> LocalFileHandle {
        defer { nextHandle += 1 }
        retain(inode)
        handles[nextHandle] = InMemoryFileSystem.Handle(inode: inode, path: path, isLock: isLock)
        return LocalFileHandle(path: path, id: nextHandle)
    }

    func inode(of handle: LocalFileHandle, _ operation: String) throws(LocalFileError) -> Int {
        guard let open = handles[handle.id] else { throw InMemoryFileSystem.failure(operation, handle.path, EBADF) }
        return open.inode
    }

    mutating func retain(_ entry: Entry?) {
        if case .file(let id) = entry { retain(id) }
    }

    mutating func retain(_ inode: Int) { inodes[inode]!.references += 1 }

    mutating func release(_ entry: Entry?) {
        if case .file(let id) = entry { release(id) }
    }

    mutating func release(_ inode: Int) {
        inodes[inode]!.references -= 1
        if inodes[inode]!.references == 0 { inodes[inode] = nil }
    }

    /// Sets (or, with `nil`, removes) a live entry, keeping reference counts.
    mutating func setLive(_ directory: String, _ name: String, _ entry: Entry?) {
        retain(entry)
        release(live[directory]![name])
        live[directory]![name] = entry
    }

    /// Makes the live entries of `directory` its durable ones.
    mutating func syncDirectory(_ directory: String) {
        let entries = live[directory] ?? [:]
        for entry in entries.values { retain(entry) }
        for entry in (durable[directory] ?? [:]).values { release(entry) }
        durable[directory] = entries
    }
}
