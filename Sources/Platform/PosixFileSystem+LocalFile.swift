extension PosixFileSystem {
    /// The open file behind `handle`, for code that hands a real file to the kernel or to
    /// libcurl (a store's range transfers): only for handles this layer made, valid until the
    /// layer closes it.
    public func localFile(_ handle: LocalFileHandle) -> LocalFile {
        LocalFile(path: handle.path, descriptor: handle.id)
    }
}
