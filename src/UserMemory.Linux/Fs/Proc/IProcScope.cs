namespace UserMemory.Linux.Fs.Proc;

/// <summary>What the synthetic <c>/proc</c> needs to know about the calling process to resolve a path.</summary>
public interface IProcScope
{
    /// <summary>The calling process's pid.</summary>
    int Pid { get; }

    /// <summary>The calling thread's tid.</summary>
    int Tid { get; }

    /// <summary>True when guest descriptor <paramref name="fd"/> is open.</summary>
    /// <param name="fd">The descriptor.</param>
    /// <returns>Whether it is open.</returns>
    bool IsOpen(int fd);

    /// <summary>The guest path of the directory descriptor <paramref name="fd"/> refers to, or null when it is not a
    /// directory the guest can name.</summary>
    /// <param name="fd">The descriptor.</param>
    /// <returns>The absolute guest path, or null.</returns>
    byte[]? DirectoryOf(int fd);

    /// <summary>True when <paramref name="id"/> is a host thread or process id that belongs to the runner, not to any
    /// guest (the runner's own threads).</summary>
    /// <param name="id">The id.</param>
    /// <returns>Whether it must stay hidden.</returns>
    bool IsRunnerId(int id);

    /// <summary>True when <paramref name="tid"/> names a thread of the calling process that <c>/proc</c> shows: a live
    /// thread, or the group's leader (whose directory stays while other threads run, as Linux keeps the leader until
    /// the group ends). Such an id opens as <c>/proc/TID</c> and <c>/proc/PID/task/TID</c>.</summary>
    /// <param name="tid">The thread id.</param>
    /// <returns>Whether it is one of the group's threads.</returns>
    bool IsGroupThread(int tid) => tid == Pid || tid == Tid;

    /// <summary>The guest program's absolute path (what <c>exe</c> names).</summary>
    byte[] ExecutablePath { get; }

    /// <summary>The guest's working directory (what <c>cwd</c> names).</summary>
    byte[] WorkingDirectory { get; }
}
