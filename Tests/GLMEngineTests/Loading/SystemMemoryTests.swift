import Foundation
import Testing
@testable import GLMEngine

/// What `serve` sizes its KV budget against: the machine's memory and the cgroup limits on the process.
@Suite("Loading: usable memory and the KV budget that fits it")
struct SystemMemoryTests {
    @Test("a limit file holds a byte count or max; anything else is refused")
    func cgroupLimitFiles() throws {
        #expect(try SystemMemory.cgroupLimit(Array("max\n".utf8)) == nil)
        #expect(try SystemMemory.cgroupLimit(Array("8589934592\n".utf8)) == 8_589_934_592)
        #expect(try SystemMemory.cgroupLimit(Array("9223372036854771712\n".utf8)) == 9_223_372_036_854_771_712)
        #expect(try SystemMemory.cgroupLimit(Array("99999999999999999999999\n".utf8)) == nil, "beyond an Int: no limit")
        for refused in ["512 kB\n", "", "\n", "-1\n", "0x1000"] {
            #expect(throws: GLMError.self, "\(refused)") { try SystemMemory.cgroupLimit(Array(refused.utf8)) }
        }
        #expect(throws: GLMError.self) { try SystemMemory.cgroupLimit([0x31, 0xFF, 0x0A]) }
    }

    @Test("/proc/self/cgroup names the limit files of the process's cgroups and their ancestors")
    func limitFilesFromCgroupLines() {
        #expect(SystemMemory.limitFiles(cgroups: "0::/user.slice/app.scope\n") == [
            "/sys/fs/cgroup/user.slice/app.scope/memory.max", "/sys/fs/cgroup/user.slice/memory.max",
            "/sys/fs/cgroup/memory.max",
        ])
        #expect(SystemMemory.limitFiles(cgroups: "5:cpu,cpuacct:/\n4:memory:/jobs/a1\n0::/\n") == [
            "/sys/fs/cgroup/memory/jobs/a1/memory.limit_in_bytes", "/sys/fs/cgroup/memory/jobs/memory.limit_in_bytes",
            "/sys/fs/cgroup/memory/memory.limit_in_bytes", "/sys/fs/cgroup/memory.max",
        ])
        #expect(SystemMemory.limitFiles(cgroups: "garbage\n3:memory\n2:pids:/x\n").isEmpty)
        let deep = "0::" + String(repeating: "/a", count: 200)
        #expect(SystemMemory.limitFiles(cgroups: deep).count == 64, "a hierarchy is walked up 64 levels at most")
    }

    @Test("this process may use some memory, at most the machine's")
    func usableMemory() {
        let usable = SystemMemory.usableBytes()
        #expect(usable > 0 && UInt64(usable) <= ProcessInfo.processInfo.physicalMemory)
    }

    @Test("the default budget is capped to fit beside what is committed, never below one window")
    func budgetFitsTheMemory() {
        // 90% of 1000 is 900: 400 committed leaves 500
        #expect(BatchDecoder.budget(300, fitting: 1000, besides: 400, floor: 100) == 300)
        #expect(BatchDecoder.budget(800, fitting: 1000, besides: 400, floor: 100) == 500)
        #expect(BatchDecoder.budget(800, fitting: 1000, besides: 880, floor: 100) == 100, "one window at least")
        #expect(BatchDecoder.budget(60, fitting: 1000, besides: 950, floor: 100) == 60, "never above what is wanted")
    }
}
