using System.Collections.Generic;

namespace UserMemory;

/// <summary>The argument and environment strings of an <c>execve</c>, copied out of user memory (bytes, no NULs).</summary>
public sealed class ExecArguments
{
    /// <summary>Creates the pair.</summary>
    /// <param name="arguments">The argument strings.</param>
    /// <param name="environment">The environment strings.</param>
    public ExecArguments(IReadOnlyList<byte[]> arguments, IReadOnlyList<byte[]> environment)
    {
        Arguments = arguments;
        Environment = environment;
    }

    /// <summary>The argument strings (<c>argv</c>), in order, each without its NUL.</summary>
    public IReadOnlyList<byte[]> Arguments { get; }

    /// <summary>The environment strings (<c>envp</c>), in order, each without its NUL.</summary>
    public IReadOnlyList<byte[]> Environment { get; }

    /// <summary>The bytes Linux charges to the budget: every string with its NUL plus 8 bytes per pointer.</summary>
    public ulong TotalBytes
    {
        get
        {
            ulong total = 0;
            foreach (byte[] s in Arguments)
            {
                total += (ulong)s.Length + 1 + 8;
            }

            foreach (byte[] s in Environment)
            {
                total += (ulong)s.Length + 1 + 8;
            }

            return total;
        }
    }
}
