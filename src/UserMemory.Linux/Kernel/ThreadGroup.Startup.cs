using System;
using System.Collections.Generic;
using UserMemory.AddressSpace;
using UserMemory.Linux.Cpu;
using UserMemory.Linux.Abi;
using UserMemory.Linux.Fs;
using UserMemory.Linux.Interop;
using UserMemory.Linux.Loader;
using UserMemory.Linux.Process;

namespace UserMemory.Linux.Kernel;

/// <summary>Creating a guest process: a fresh program (start, or the far side of execve) or a fork child.</summary>
public sealed partial class ThreadGroup
{
    /// <summary>Creates the address space every guest process uses (user range <see cref="GuestLayout.UserStart"/> to
    /// <see cref="GuestLayout.UserEnd"/>, with a guest view for Unicorn).</summary>
    /// <returns>The space.</returns>
    public static AddrSpace CreateAddressSpace() =>
        AddrSpace.Create(new VirtAddr(GuestLayout.UserStart), GuestLayout.UserEnd - GuestLayout.UserStart);

    /// <summary>Wraps an address space in a process (no program loaded yet).</summary>
    /// <param name="kernel">The kernel.</param>
    /// <param name="space">The address space.</param>
    /// <param name="fds">The descriptor table.</param>
    /// <param name="executablePath">The absolute program path, without NUL.</param>
    /// <returns>The process.</returns>
    public static ThreadGroup Create(GuestKernel kernel, AddrSpace space, FdTable fds, byte[] executablePath) =>
        new(kernel ?? throw new ArgumentNullException(nameof(kernel)), space, fds, executablePath);

    /// <summary>Loads a program into a new process.</summary>
    /// <param name="options">The runner's options.</param>
    /// <param name="program">The program's host path (absolute or relative to the working directory), without NUL.</param>
    /// <param name="argv">The arguments (argv[0] included).</param>
    /// <param name="envp">The environment.</param>
    /// <param name="fds">The descriptor table.</param>
    /// <param name="process">The process, ready to <see cref="Run"/> at <paramref name="entry"/>.</param>
    /// <param name="entry">The entry point.</param>
    /// <returns>0, or <c>-errno</c> (ENOENT, EACCES, ENOEXEC, E2BIG, ENOMEM).</returns>
    public static long Start(RunnerOptions options, byte[] program, List<byte[]> argv, IReadOnlyList<byte[]> envp, FdTable fds, out ThreadGroup? process, out ulong entry)
    {
        ArgumentNullException.ThrowIfNull(program);
        process = null;
        entry = 0;
        long r = ExecutableCheck.Resolve(ref program, argv);
        if (r < 0)
        {
            return r;
        }

        r = ExecutableCheck.ReadFile(program, out byte[] file);
        if (r < 0)
        {
            return r;
        }

        byte[] absolute = ProgramPath.Absolute(program);

        AddrSpace space = CreateAddressSpace();
        var identity = ((ulong)HostLinux.Syscall((long)SyscallNumber.Getuid), (ulong)HostLinux.Syscall((long)SyscallNumber.Geteuid), (ulong)HostLinux.Syscall((long)SyscallNumber.Getgid), (ulong)HostLinux.Syscall((long)SyscallNumber.Getegid));
        LinuxError e = ProgramLoader.Load(space, file, argv, envp, program, identity, out LoadedProgram? loaded);
        if (e != LinuxError.None)
        {
            space.Dispose();
            return -(long)e;
        }

        var p = new ThreadGroup(new GuestKernel(options), space, fds, absolute)
        {
            BrkStart = loaded!.BrkStart,
            BrkEnd = loaded.BrkStart,
        };
        p.MainTask.Cpu.Write(CpuRegister.Rsp, loaded.StackPointer);
        p.MainTask.Cpu.MappingsChanged(GuestLayout.UserStart, GuestLayout.UserEnd);
        process = p;
        entry = loaded.Entry;
        return 0;
    }
}
