using System.Globalization;
using System.Text;
using UserMemory.Linux.Abi;
using UserMemory.Linux.Interop;
using UserMemory.Linux.Kernel;

namespace UserMemory.Linux.Fs.Proc;

/// <summary>The calling task as the synthetic <c>/proc</c> sees it.</summary>
/// <param name="task">The task.</param>
internal sealed class TaskProcScope(Task task) : IProcScope
{
    /// <inheritdoc/>
    public int Pid => task.Group.Pid;

    /// <inheritdoc/>
    public int Tid => task.Tid;

    /// <inheritdoc/>
    public byte[] ExecutablePath => task.Group.ExecutablePath;

    /// <inheritdoc/>
    public byte[] WorkingDirectory => task.Group.Fs.Cwd;

    /// <inheritdoc/>
    public bool IsOpen(int fd) => task.Fds.IsOpen(fd);

    /// <inheritdoc/>
    public byte[]? DirectoryOf(int fd) => FsPaths.DirectoryOf(task, fd);

    /// <inheritdoc/>
    public bool IsGroupThread(int tid) => tid == task.Group.Pid || task.Group.FindTask(tid) is not null;

    /// <inheritdoc/>
    public bool IsRunnerId(int id)
    {
        if (id == Pid)
        {
            return false;
        }

        // One of this runner process's own threads (the .NET runtime's): /proc/self/task/ID exists on the host.
        byte[] path = Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"/proc/self/task/{id}\0"));
        return HostLinux.Syscall((long)SyscallNumber.Faccessat, path, 1, [-100, 0, 0, 0]) == 0;
    }
}
