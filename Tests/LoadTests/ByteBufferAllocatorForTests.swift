import NIOCore

enum ByteBufferAllocatorForTests {
    static func buffer(string: String = "") -> ByteBuffer { ByteBuffer(string: string) }
}
