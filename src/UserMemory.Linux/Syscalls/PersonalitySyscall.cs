using UserMemory.Linux.Abi;
using UserMemory.Linux.Kernel;

namespace UserMemory.Linux.Syscalls;

/// <summary>
/// <c>personality</c>: returns the previous value and, unless the argument is <see cref="PersonalityAbi.Query"/>,
/// stores the new one (the argument is an <c>unsigned int</c>; since Linux 4.1 every value is accepted, so nothing
/// is EINVAL). The value lives in the process (<see cref="ThreadGroup.Personality"/>); the layer does not act on its
/// flags (the guest's layout is the runner's choice either way).
/// </summary>
internal static class PersonalitySyscall
{
    /// <summary>Registers this subsystem's syscalls.</summary>
    /// <param name="b">The table being built.</param>
    internal static void Register(SyscallTableBuilder b)
    {
        b.Add(SyscallNumber.Personality, SupportLevel.Partial, "stored and reported per process; not carried across fork and execve; the flags change nothing", static (t, a) => Personality(t, (uint)a[0]));
    }

    private static long Personality(Task t, uint persona)
    {
        ThreadGroup g = t.Group;
        lock (g.MapGate)
        {
            uint old = g.Personality;
            if (persona != PersonalityAbi.Query)
            {
                g.Personality = persona;
            }

            return old;
        }
    }
}
