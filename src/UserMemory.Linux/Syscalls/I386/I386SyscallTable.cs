using System;
using UserMemory.Linux.Abi;

namespace UserMemory.Linux.Syscalls.I386;

/// <summary>
/// The i386 system calls a 64-bit process makes with <c>int $0x80</c> (Linux with IA32 emulation), as data: i386
/// number → row, in an array indexed by number. A call whose Linux i386 entry point is the native <c>sys_X</c> (no
/// <c>compat_</c> wrapper) takes only integers and pointers to the same structures as on x86-64, so it runs the x86-64
/// handler of the same call with the 32-bit arguments zero-extended, which is what Linux's <c>__ia32_sys_X</c> does.
/// A call with a compat wrapper has its own handler here (<see cref="I386Time"/>, <see cref="I386LegacyIds"/>), or is
/// not in the table: one whose structures differ between i386 and x86-64 (stat, timespec, sigaction, old_mmap, iovec,
/// ...) must not reach the x86-64 handler, which would read or write the wrong layout. Those, and fork, vfork, clone,
/// execve and the sigreturns, answer ENOSYS.
/// </summary>
internal static class I386SyscallTable
{
    private const string LargeFileNote = "Linux's compat open does not add O_LARGEFILE; here the descriptor has it (F_GETFL shows 0x8000)";

    private static readonly I386SyscallEntry?[] Entries = Build();

    /// <summary>The row of <paramref name="number"/>, or null when the table has none (ENOSYS).</summary>
    /// <param name="number">The i386 number (EAX as an unsigned 32-bit value).</param>
    /// <returns>The row.</returns>
    public static I386SyscallEntry? Lookup(ulong number) => number < (ulong)Entries.Length ? Entries[number] : null;

    private static I386SyscallEntry?[] Build()
    {
        var entries = new I386SyscallEntry?[(int)I386SyscallNumber.TableSize];
        void Forward(I386SyscallNumber number, SyscallNumber native, string note = "")
        {
            SyscallEntry row = SyscallTable.Lookup((long)native)
                ?? throw new InvalidOperationException("the i386 call " + number + " forwards to " + native + ", which has no handler");
            Add(entries, new I386SyscallEntry(number, native, note.Length == 0 ? row.Support : SupportLevel.Partial, note.Length == 0 ? row.Note : note, row.Handler));
        }

        Forward(I386SyscallNumber.Exit, SyscallNumber.Exit);
        Forward(I386SyscallNumber.Read, SyscallNumber.Read);
        Forward(I386SyscallNumber.Write, SyscallNumber.Write);
        Forward(I386SyscallNumber.Open, SyscallNumber.Open, LargeFileNote);
        Forward(I386SyscallNumber.Close, SyscallNumber.Close);
        Forward(I386SyscallNumber.Creat, SyscallNumber.Creat);
        Forward(I386SyscallNumber.Link, SyscallNumber.Link);
        Forward(I386SyscallNumber.Unlink, SyscallNumber.Unlink);
        Forward(I386SyscallNumber.Chdir, SyscallNumber.Chdir);
        Add(entries, new I386SyscallEntry(I386SyscallNumber.Time, SyscallNumber.Time, SupportLevel.Full, "", I386Time.Time));
        Forward(I386SyscallNumber.Chmod, SyscallNumber.Chmod);
        Forward(I386SyscallNumber.Getpid, SyscallNumber.Getpid);
        Add(entries, I386LegacyIds.Entry(I386SyscallNumber.Getuid16, SyscallNumber.Getuid));
        Forward(I386SyscallNumber.Alarm, SyscallNumber.Alarm);
        Forward(I386SyscallNumber.Pause, SyscallNumber.Pause);
        Forward(I386SyscallNumber.Access, SyscallNumber.Access);
        Forward(I386SyscallNumber.Sync, SyscallNumber.Sync);
        Forward(I386SyscallNumber.Kill, SyscallNumber.Kill);
        Forward(I386SyscallNumber.Rename, SyscallNumber.Rename);
        Forward(I386SyscallNumber.Mkdir, SyscallNumber.Mkdir);
        Forward(I386SyscallNumber.Rmdir, SyscallNumber.Rmdir);
        Forward(I386SyscallNumber.Dup, SyscallNumber.Dup);
        Forward(I386SyscallNumber.Pipe, SyscallNumber.Pipe);
        Forward(I386SyscallNumber.Brk, SyscallNumber.Brk);
        Add(entries, I386LegacyIds.Entry(I386SyscallNumber.Getgid16, SyscallNumber.Getgid));
        Add(entries, I386LegacyIds.Entry(I386SyscallNumber.Geteuid16, SyscallNumber.Geteuid));
        Add(entries, I386LegacyIds.Entry(I386SyscallNumber.Getegid16, SyscallNumber.Getegid));
        Forward(I386SyscallNumber.Setpgid, SyscallNumber.Setpgid);
        Forward(I386SyscallNumber.Umask, SyscallNumber.Umask);
        Forward(I386SyscallNumber.Dup2, SyscallNumber.Dup2);
        Forward(I386SyscallNumber.Getppid, SyscallNumber.Getppid);
        Forward(I386SyscallNumber.Getpgrp, SyscallNumber.Getpgrp);
        Forward(I386SyscallNumber.Setsid, SyscallNumber.Setsid);
        Forward(I386SyscallNumber.Symlink, SyscallNumber.Symlink);
        Forward(I386SyscallNumber.Readlink, SyscallNumber.Readlink);
        Forward(I386SyscallNumber.Fchmod, SyscallNumber.Fchmod);
        Forward(I386SyscallNumber.Fsync, SyscallNumber.Fsync);
        Forward(I386SyscallNumber.Uname, SyscallNumber.Uname);
        Forward(I386SyscallNumber.Getpgid, SyscallNumber.Getpgid);
        Forward(I386SyscallNumber.Fchdir, SyscallNumber.Fchdir);
        Forward(I386SyscallNumber.Flock, SyscallNumber.Flock);
        Forward(I386SyscallNumber.Getsid, SyscallNumber.Getsid);
        Forward(I386SyscallNumber.Fdatasync, SyscallNumber.Fdatasync);
        Forward(I386SyscallNumber.SchedYield, SyscallNumber.SchedYield);
        Forward(I386SyscallNumber.Getcwd, SyscallNumber.Getcwd);
        Forward(I386SyscallNumber.Getuid32, SyscallNumber.Getuid);
        Forward(I386SyscallNumber.Getgid32, SyscallNumber.Getgid);
        Forward(I386SyscallNumber.Geteuid32, SyscallNumber.Geteuid);
        Forward(I386SyscallNumber.Getegid32, SyscallNumber.Getegid);
        Forward(I386SyscallNumber.Getresuid32, SyscallNumber.Getresuid);
        Forward(I386SyscallNumber.Getresgid32, SyscallNumber.Getresgid);
        Forward(I386SyscallNumber.Getdents64, SyscallNumber.Getdents64);
        Forward(I386SyscallNumber.Gettid, SyscallNumber.Gettid);
        Forward(I386SyscallNumber.Tkill, SyscallNumber.Tkill);
        Forward(I386SyscallNumber.ExitGroup, SyscallNumber.ExitGroup);
        Forward(I386SyscallNumber.SetTidAddress, SyscallNumber.SetTidAddress);
        Forward(I386SyscallNumber.Tgkill, SyscallNumber.Tgkill);
        Forward(I386SyscallNumber.Mkdirat, SyscallNumber.Mkdirat);
        Forward(I386SyscallNumber.Unlinkat, SyscallNumber.Unlinkat);
        Forward(I386SyscallNumber.Renameat, SyscallNumber.Renameat);
        Forward(I386SyscallNumber.Linkat, SyscallNumber.Linkat);
        Forward(I386SyscallNumber.Symlinkat, SyscallNumber.Symlinkat);
        Forward(I386SyscallNumber.Readlinkat, SyscallNumber.Readlinkat);
        Forward(I386SyscallNumber.Fchmodat, SyscallNumber.Fchmodat);
        Forward(I386SyscallNumber.Faccessat, SyscallNumber.Faccessat);
        Forward(I386SyscallNumber.Getcpu, SyscallNumber.Getcpu);
        Forward(I386SyscallNumber.Dup3, SyscallNumber.Dup3);
        Forward(I386SyscallNumber.Pipe2, SyscallNumber.Pipe2);
        Forward(I386SyscallNumber.Getrandom, SyscallNumber.Getrandom);
        return entries;
    }

    private static void Add(I386SyscallEntry?[] entries, I386SyscallEntry entry)
    {
        if (entries[(int)entry.Number] is not null)
        {
            throw new InvalidOperationException("i386 call registered twice: " + entry.Number);
        }

        entries[(int)entry.Number] = entry;
    }
}
