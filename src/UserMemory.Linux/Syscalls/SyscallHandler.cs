using System;
using UserMemory.Linux.Kernel;

namespace UserMemory.Linux.Syscalls;

/// <summary>One syscall's implementation: takes the calling task and the six raw arguments (RDI, RSI, RDX, R10, R8,
/// R9) and returns the value for RAX (a result, or <c>-errno</c>). Runs on the task's thread; must not throw for
/// anything the guest does.</summary>
/// <param name="task">The calling task.</param>
/// <param name="args">The six arguments.</param>
/// <returns>The result or <c>-errno</c>.</returns>
internal delegate long SyscallHandler(Task task, ReadOnlySpan<ulong> args);
