using System;
using System.Collections.Generic;
using UserMemory.AddressSpace;
using UserMemory.Linux.Cpu;
using UserMemory.Linux.Abi;
using UserMemory.Linux.Fs;
using UserMemory.Linux.Fs.Proc;
using UserMemory.Linux.Interop;
using UserMemory.Linux.Loader;
using UserMemory.Linux.Process;

namespace UserMemory.Linux.Kernel;

/// <summary>Creating a guest process: a fresh program (start, or the far side of execve) or a fork child.</summary>
public sealed partial class ThreadGroup
{
    /// <summary>Creates the address space every guest process uses (user range <see cref="GuestLayout.UserStart"/> to
    /// <see cref="GuestLayout.UserEnd"/>). No guest view: the CPU runs on page tables over the kernel view, so a space
    /// costs one host mapping however many areas it has.</summary>
    /// <param name="memoryLimit">The committed-memory limit (<c>--memory</c>).</param>
    /// <returns>The space.</returns>
    public static AddrSpace CreateAddressSpace(ulong memoryLimit = RunnerOptions.DefaultMemoryLimit) =>
        AddrSpace.Create(
            new VirtAddr(GuestLayout.UserStart),
            GuestLayout.UserEnd - GuestLayout.UserStart,
            AddressSpaceOptions(memoryLimit));

    /// <summary>The options of every guest address space (also for one restored from a fork snapshot).</summary>
    /// <param name="memoryLimit">The committed-memory limit (<c>--memory</c>).</param>
    /// <returns>The options.</returns>
    internal static AddrSpaceOptions AddressSpaceOptions(ulong memoryLimit) =>
        new() { GuestView = false, MemoryLimit = memoryLimit, MaxHostMappings = HostMappingBudget.GuestLimit };

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
    public static long Start(RunnerOptions options, byte[] program, List<byte[]> argv, IReadOnlyList<byte[]> envp, FdTable fds, out ThreadGroup? process, out ulong entry) =>
        Start(options, program, program, argv, envp, fds, out process, out entry);

    /// <summary>Loads a program into a new process, <paramref name="execName"/> being the path as the caller of
    /// <c>execve</c> named it (<c>AT_EXECFN</c>; its last component is the command name: a link's name, not its target's,
    /// a script's, not its interpreter's).</summary>
    internal static long Start(RunnerOptions options, byte[] program, byte[] execName, List<byte[]> argv, IReadOnlyList<byte[]> envp, FdTable fds, out ThreadGroup? process, out ulong entry) =>
        Start(options, program, execName, argv, envp, fds, null, out process, out entry);

    /// <summary>Loads a program into a new process of <paramref name="kernel"/> (an <c>execve</c> inside this runner:
    /// the same host process, so the same kernel, tracer and statistics), or of a new kernel when it is null.</summary>
    internal static long Start(RunnerOptions options, byte[] program, byte[] execName, List<byte[]> argv, IReadOnlyList<byte[]> envp, FdTable fds, GuestKernel? kernel, out ThreadGroup? process, out ulong entry)
    {
        ArgumentNullException.ThrowIfNull(program);
        ArgumentNullException.ThrowIfNull(execName);
        process = null;
        entry = 0;
        byte[] commandName = ProcessCommandName.FromPath(execName);
        byte[]? guestProgram = null;
        if (!string.IsNullOrEmpty(options.Root))
        {
            // --root: the program is a guest path inside the root (scripts' interpreters are not re-rooted yet).
            long mapped = ProgramPaths.ToHost(FsContext.Create(options), null, program, out program, out byte[] guestAbsolute);
            if (mapped < 0)
            {
                return mapped;
            }

            guestProgram = guestAbsolute;
        }

        long r = ExecutableCheck.Resolve(ref program, argv, out byte[] file);
        if (r < 0)
        {
            return r;
        }

        byte[] absolute = guestProgram ?? ProgramPath.Absolute(program);

        AddrSpace space = CreateAddressSpace(options.MemoryLimit);
        var identity = ((ulong)HostLinux.Syscall((long)SyscallNumber.Getuid), (ulong)HostLinux.Syscall((long)SyscallNumber.Geteuid), (ulong)HostLinux.Syscall((long)SyscallNumber.Getgid), (ulong)HostLinux.Syscall((long)SyscallNumber.Getegid));
        LinuxError e = ProgramLoader.Load(space, file, argv, envp, execName, identity, out LoadedProgram? loaded);
        if (e != LinuxError.None)
        {
            space.Dispose();
            return -(long)e;
        }

        ThreadGroup p;
        try
        {
            p = new ThreadGroup(kernel ?? new GuestKernel(options), space, fds, absolute)
            {
                BrkStart = loaded!.BrkStart,
                BrkEnd = loaded.BrkStart,
                CommandName = commandName,
            };
        }
        catch (InvalidOperationException)
        {
            space.Dispose(); // the CPU backend refused (KVM): nothing may keep the space's reservation
            throw;
        }

        if (ElfImage.TryParse(file, out ElfImage? image) == LinuxError.None)
        {
            p.Image = ProcessImage.FromLoad(loaded.Stack, image!.Segments, loaded.LoadBase);
        }

        p.MainTask.Cpu.Write(CpuRegister.Rsp, loaded.StackPointer);
        p.MainTask.Cpu.MappingsChanged(GuestLayout.UserStart, GuestLayout.UserEnd);
        process = p;
        entry = loaded.Entry;
        return 0;
    }
}
