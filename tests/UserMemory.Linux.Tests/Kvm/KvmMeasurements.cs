using System;
using System.Diagnostics;
using System.Runtime.InteropServices;
using UserMemory.Linux.Cpu.Kvm;
using Xunit.Abstractions;

namespace UserMemory.Linux.Tests.Kvm;

/// <summary>Measurements, printed, never asserted: the cost of a syscall round trip through the host and of a compute
/// loop in the guest against the same machine code run natively. The assertions only check the programs' results.</summary>
public sealed unsafe class KvmMeasurements(ITestOutputHelper output)
{
    private const ulong SyscallIterations = 20_000;
    private const ulong ComputeIterations = 200_000_000;

    [KvmFact]
    public void Syscall_round_trip_cost()
    {
        using var g = new KvmGuest();
        g.LoadCode(X64.SyscallLoop(), X64.MovEax(60), X64.Syscall);
        g.Regs.Rbx = 100; // warm up: the code page fault and the first entries
        g.RunToSyscall(39);
        g.Regs.Rbx = SyscallIterations + 1;
        long exits = g.Vcpu.ExitCount;
        var clock = Stopwatch.StartNew();
        TimeSpan cpuStart = ThreadCpuTime();
        ulong count = 0;
        while (true)
        {
            KvmEvent e = g.Run();
            Assert.Equal(KvmEventKind.Syscall, e.Kind);
            if (g.Regs.Rax == 60)
            {
                break;
            }

            g.Regs.Rax = 0;
            count++;
        }

        clock.Stop();
        TimeSpan cpu = ThreadCpuTime() - cpuStart;
        Assert.Equal(SyscallIterations, count);
        output.WriteLine($"syscall round trip: {clock.Elapsed.TotalMicroseconds / count:F2} us wall, {cpu.TotalMicroseconds / count:F2} us thread CPU ({(double)(g.Vcpu.ExitCount - exits) / count:F2} VM exits per syscall, shadow paging: {g.Vm.ShadowPaging})");
        output.WriteLine($"guest CPUID: {g.Vm.CpuidDescription}");
    }

    [KvmFact]
    public void Exception_round_trip_cost()
    {
        using var g = new KvmGuest();
        g.LoadCode(X64.Ud2, [0xEB, 0xFC]); // l: ud2; jmp l
        Assert.Equal(KvmEventKind.Exception, g.Run().Kind);
        var clock = Stopwatch.StartNew();
        TimeSpan cpuStart = ThreadCpuTime();
        for (ulong i = 0; i < SyscallIterations; i++)
        {
            g.Regs.Rip += 2;
            KvmEvent e = g.Run();
            Assert.Equal(X86Exception.InvalidOpcode, e.Vector);
        }

        TimeSpan cpu = ThreadCpuTime() - cpuStart;
        output.WriteLine($"#UD round trip: {clock.Elapsed.TotalMicroseconds / SyscallIterations:F2} us wall, {cpu.TotalMicroseconds / SyscallIterations:F2} us thread CPU");
    }

    [KvmFact]
    public void Compute_loop_against_native()
    {
        byte[] loop = X64.ComputeLoop();
        using var g = new KvmGuest();
        g.LoadCode(loop, X64.MovEax(60), X64.Syscall);
        g.Regs.Rcx = 1000;
        g.RunToSyscall(60);
        g.Regs.Rip = KvmGuest.CodeAddress;
        g.Regs.Rcx = ComputeIterations;
        g.Regs.Rdx = 0;
        TimeSpan cpuStart = ThreadCpuTime();
        g.RunToSyscall(60);
        double guestSeconds = (ThreadCpuTime() - cpuStart).TotalSeconds;
        ulong guestResult = g.Regs.Rdx;

        // The same loop natively: mov rcx, rdi; xor edx, edx; <loop>; mov rax, rdx; ret.
        byte[] native = KvmGuest.Concat([0x48, 0x89, 0xF9, 0x31, 0xD2], loop, [0x48, 0x89, 0xD0, 0xC3]);
        nint page = Mmap(0, 4096, 3, 0x22, -1, 0);
        Marshal.Copy(native, 0, page, native.Length);
        Assert.Equal(0, Mprotect(page, 4096, 5));
        var function = (delegate* unmanaged<ulong, ulong>)page;
        _ = function(1000);
        cpuStart = ThreadCpuTime();
        ulong nativeResult = function(ComputeIterations);
        double nativeSeconds = (ThreadCpuTime() - cpuStart).TotalSeconds;
        _ = Munmap(page, 4096);

        Assert.Equal(nativeResult, guestResult);
        output.WriteLine($"compute loop, {ComputeIterations} iterations, thread CPU time: guest {guestSeconds:F3} s, native {nativeSeconds:F3} s, ratio {guestSeconds / nativeSeconds:F2}");
    }

    private static TimeSpan ThreadCpuTime()
    {
        const int threadCpuClock = 3;
        long* spec = stackalloc long[2];
        Assert.Equal(0, ClockGetTime(threadCpuClock, spec));
        return TimeSpan.FromTicks((spec[0] * TimeSpan.TicksPerSecond) + (spec[1] / 100));
    }

    [DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern int ClockGetTime(int clock, long* spec);

    [DllImport("libc", EntryPoint = "mmap")]
    private static extern nint Mmap(nint address, nuint length, int protection, int flags, int fd, long offset);

    [DllImport("libc", EntryPoint = "mprotect")]
    private static extern int Mprotect(nint address, nuint length, int protection);

    [DllImport("libc", EntryPoint = "munmap")]
    private static extern int Munmap(nint address, nuint length);
}
