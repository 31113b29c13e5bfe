using UserMemory.Linux.Kernel;

namespace UserMemory.Linux.Process;

/// <summary>The process an <c>execve</c> built inside this runner (<see cref="InProcessExec"/>), waiting for the old
/// one's last syscall to return.</summary>
/// <param name="Group">The new process: same pid, same descriptors (less the close-on-exec ones), new program.</param>
/// <param name="Entry">Where its main task starts.</param>
internal sealed record ExecReplacement(ThreadGroup Group, ulong Entry);
