import Foundation
import SFAgent
import SFCore
import SFLocalEndpoints
import Synchronization
import Testing

struct ResidentMemoryTests {
    @Test("only clean, private, file-backed mappings are paged out")
    func mappings() {
        let maps = """
            55d0a0000000-55d0a0400000 r--p 00000000 fd:01 1234 /usr/local/bin/skyferry
            55d0a0400000-55d0a1000000 r-xp 00400000 fd:01 1234 /usr/local/bin/skyferry
            55d0a1000000-55d0a1010000 rw-p 01000000 fd:01 1234 /usr/local/bin/skyferry
            55d0a2000000-55d0a2100000 rw-p 00000000 00:00 0 [heap]
            7f0000000000-7f0000001000 r--s 00000000 00:05 77 /dev/shm/x
            7f0000100000-7f0000200000 r-xp 00000000 00:00 0
            7ffd00000000-7ffd00021000 rw-p 00000000 00:00 0 [stack]
            """
        let ranges = ResidentMemory.cleanFileMappings(maps)
        #expect(ranges.map(\.start) == [0x55d0_a000_0000, 0x55d0_a040_0000])
        #expect(ranges.map(\.length) == [0x400000, 0xC00000])
        #expect(ranges.map(\.executable) == [false, true])
    }
}
