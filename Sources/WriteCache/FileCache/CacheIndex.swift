/// The in-memory index of a ``FileCache``: sizes, recency order, pins and capacity.
///
/// A pure state machine (no I/O, no locks) so every rule is tested directly: LRU order is a
/// doubly linked list threaded through the entries (O(1) touch and removal); capacity counts
/// committed files *and* bytes reserved by writes in progress; pinned entries are never chosen
/// for eviction.
struct CacheIndex {
    struct Entry {
        var size: UInt64
        var lastAccess: Duration
        var pins: Int = 0
        var older: FileKey?
        var newer: FileKey?
    }

    let capacity: UInt64
    private(set) var entries: [FileKey: Entry] = [:]
    /// Least recently used.
    private(set) var oldest: FileKey?
    /// Most recently used.
    private(set) var newest: FileKey?
    /// Sum of the sizes of indexed files.
    private(set) var committedBytes: UInt64 = 0
    /// Bytes written by writers that have not committed or aborted yet.
    private(set) var reservedBytes: UInt64 = 0
    /// Keys whose files are being deleted after eviction; a commit of such a key must wait.
    private(set) var deleting: [FileKey: Int] = [:]
    /// Entries removed while pinned: invisible to lookups, but their files stay on disk (and
    /// count against the capacity) until the last pin is released.
    private(set) var detached: [FileKey: Entry] = [:]
    /// Sum of the sizes of detached entries.
    private(set) var detachedBytes: UInt64 = 0

    init(capacity: UInt64) {
        self.capacity = capacity
    }

    var usedBytes: UInt64 { committedBytes + reservedBytes + detachedBytes }
    var count: Int { entries.count }

    func contains(_ key: FileKey) -> Bool { entries[key] != nil }
    func entry(_ key: FileKey) -> Entry? { entries[key] }

    /// Keys from least to most recently used.
    var keysByRecency: [FileKey] {
        var keys: [FileKey] = []
        keys.reserveCapacity(entries.count)
        var cursor = oldest
        while let key = cursor {
            keys.append(key)
            cursor = entries[key]?.newer
        }
        return keys
    }

    /// Adds or replaces `key` as the most recently used entry.
    ///
    /// - Returns: the size of the entry it replaced, if any (its file was overwritten by the
    ///   rename, so it must not be deleted).
    @discardableResult
    mutating func insert(_ key: FileKey, size: UInt64, now: Duration, pins: Int = 0) -> UInt64? {
        // A detached predecessor's file was overwritten by the rename too; its holders keep their
        // pins on the new entry, so the path they read stays until they let go.
        let replaced = remove(key) ?? takeDetached(key)
        var entry = Entry(size: size, lastAccess: now, pins: pins + (replaced?.pins ?? 0))
        entry.older = newest
        if let newest { entries[newest]?.newer = key }
        newest = key
        if oldest == nil { oldest = key }
        entries[key] = entry
        committedBytes += size
        return replaced?.size
    }

    /// Marks `key` as just used.
    mutating func touch(_ key: FileKey, now: Duration) {
        guard var entry = entries[key] else { return }
        entry.lastAccess = now
        if newest != key {
            unlink(key, entry)
            entry.older = newest
            entry.newer = nil
            if let newest { entries[newest]?.newer = key }
            newest = key
            if oldest == nil { oldest = key }
        }
        entries[key] = entry
    }

    /// Removes `key` from the index.
    @discardableResult
    mutating func remove(_ key: FileKey) -> Entry? {
        guard let entry = entries[key] else { return nil }
        unlink(key, entry)
        entries[key] = nil
        committedBytes -= entry.size
        return entry
    }

    private mutating func unlink(_ key: FileKey, _ entry: Entry) {
        if let older = entry.older { entries[older]?.newer = entry.newer } else { oldest = entry.newer }
        if let newer = entry.newer { entries[newer]?.older = entry.older } else { newest = entry.older }
    }

    /// Pins `key` (and touches it) so eviction skips it. Returns its size, or `nil` if absent.
    mutating func pin(_ key: FileKey, now: Duration) -> UInt64? {
        guard entries[key] != nil else { return nil }
        touch(key, now: now)
        entries[key]!.pins += 1
        return entries[key]!.size
    }

    /// Releases one pin of `key`.
    ///
    /// - Returns: the detached entry whose last pin this was, now marked as being deleted; the
    ///   caller deletes its file, then calls ``deleted(_:)``.
    mutating func unpin(_ key: FileKey) -> (key: FileKey, size: UInt64)? {
        if let pins = entries[key]?.pins {
            if pins > 0 { entries[key]!.pins = pins - 1 }
            return nil
        }
        guard let entry = detached[key] else { return nil }
        guard entry.pins <= 1 else {
            detached[key]!.pins = entry.pins - 1
            return nil
        }
        _ = takeDetached(key)
        deleting[key, default: 0] += 1
        return (key, entry.size)
    }

    /// Removes `key` on request: an unpinned entry is marked as being deleted and returned (the
    /// caller deletes its file, then calls ``deleted(_:)``); a pinned one is detached, and its
    /// file goes at the last ``unpin(_:)``.
    ///
    /// - Returns: whether `key` was indexed, and the victim to delete now, if any.
    mutating func discard(_ key: FileKey) -> (found: Bool, victim: (key: FileKey, size: UInt64)?) {
        guard let entry = remove(key) else { return (detached[key] != nil, nil) }
        guard entry.pins == 0 else {
            detached[key] = Entry(size: entry.size, lastAccess: entry.lastAccess, pins: entry.pins)
            detachedBytes += entry.size
            return (true, nil)
        }
        deleting[key, default: 0] += 1
        return (true, (key, entry.size))
    }

    private mutating func takeDetached(_ key: FileKey) -> Entry? {
        guard let entry = detached.removeValue(forKey: key) else { return nil }
        detachedBytes -= entry.size
        return entry
    }

    mutating func reserve(_ bytes: UInt64) { reservedBytes += bytes }

    /// What ``reserveWithinCapacity(_:)`` did.
    enum Reservation: Equatable {
        /// Reserved; the victims returned beside it (least recently used, unpinned) were removed
        /// to make room and are marked as being deleted.
        case reserved
        /// Not reserved, nothing evicted: the bytes fit only once pinned files, detached files or
        /// other writers' reservations are released.
        case mustWait
        /// Not reserved: more bytes than the whole capacity.
        case neverFits
    }

    /// Reserves `bytes` only if they fit the capacity after evicting unpinned entries, least
    /// recently used first; evicts nothing when they would not fit even then.
    ///
    /// Capacity is a hard bound: used bytes (committed, reserved, detached) never exceed it.
    /// - Returns: the outcome, and the entries evicted for it (the caller deletes their files,
    ///   then calls ``deleted(_:)``).
    mutating func reserveWithinCapacity(_ bytes: UInt64) -> (Reservation, [(key: FileKey, size: UInt64)]) {
        guard bytes <= capacity else { return (.neverFits, []) }
        let needed = usedBytes + bytes > capacity ? usedBytes + bytes - capacity : 0
        var chosen: [FileKey] = []
        var freed: UInt64 = 0
        var cursor = oldest
        while freed < needed, let key = cursor {
            let entry = entries[key]!
            cursor = entry.newer
            guard entry.pins == 0 else { continue }
            chosen.append(key)
            freed += entry.size
        }
        guard freed >= needed else { return (.mustWait, []) }
        var victims: [(key: FileKey, size: UInt64)] = []
        for key in chosen {
            guard let entry = remove(key) else { continue }
            deleting[key, default: 0] += 1
            victims.append((key, entry.size))
        }
        reservedBytes += bytes
        return (.reserved, victims)
    }
    mutating func release(_ bytes: UInt64) { reservedBytes -= min(bytes, reservedBytes) }

    /// Removes least recently used, unpinned entries until used bytes fit the capacity, and
    /// marks them as being deleted. The caller deletes their files, then calls ``deleted(_:)``.
    mutating func evictToCapacity() -> [(key: FileKey, size: UInt64)] {
        var victims: [(key: FileKey, size: UInt64)] = []
        var cursor = oldest
        while usedBytes > capacity, let key = cursor {
            let entry = entries[key]!
            cursor = entry.newer
            guard entry.pins == 0 else { continue }
            remove(key)
            deleting[key, default: 0] += 1
            victims.append((key, entry.size))
        }
        return victims
    }

    /// Entries idle for longer than `ttl` and not pinned, removed and marked as being deleted.
    mutating func expire(now: Duration, ttl: Duration) -> [(key: FileKey, size: UInt64)] {
        var victims: [(key: FileKey, size: UInt64)] = []
        var cursor = oldest
        while let key = cursor {
            let entry = entries[key]!
            cursor = entry.newer
            // Entries are in recency order, so the first fresh one ends the scan.
            if now - entry.lastAccess <= ttl { break }
            guard entry.pins == 0 else { continue }
            remove(key)
            deleting[key, default: 0] += 1
            victims.append((key, entry.size))
        }
        return victims
    }

    /// The file of `key` that was being deleted is gone.
    mutating func deleted(_ key: FileKey) {
        guard let count = deleting[key] else { return }
        deleting[key] = count > 1 ? count - 1 : nil
    }

    func isDeleting(_ key: FileKey) -> Bool { deleting[key] != nil }
}
