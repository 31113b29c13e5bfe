using System;
using System.Buffers;
using System.Collections.Generic;
using System.Runtime.InteropServices;

namespace UserMemory;

public static partial class UserCopy
{
    private const int PointerBatch = 64;

    /// <summary>
    /// Copies a NULL-terminated array of user string pointers (one <c>execve</c> <c>argv</c> or <c>envp</c>) with
    /// Linux's limits.
    /// </summary>
    /// <param name="access">The open scope.</param>
    /// <param name="array">The user array of 8-byte string pointers ending with a null pointer; a null
    /// <paramref name="array"/> means an empty list, as in Linux.</param>
    /// <param name="limits">The bounds; <see cref="ExecArgumentLimits.Linux"/> for Linux's.</param>
    /// <returns>The strings in order (bytes, no NULs); E2BIG when there are more than
    /// <see cref="ExecArgumentLimits.MaxCount"/> strings, a string (NUL included) is longer than
    /// <see cref="ExecArgumentLimits.MaxStringBytes"/>, or the strings, NULs and pointers exceed
    /// <see cref="ExecArgumentLimits.MaxTotalBytes"/>; EFAULT when the array or a string is not readable; ENOMEM when
    /// population fails. Nothing on failure.</returns>
    /// <remarks>Each pointer and each string is read exactly once; the result is the kernel's copy.</remarks>
    public static UserResult<IReadOnlyList<byte[]>> CopyStringArrayFromUser(ref readonly UserAccess access, UserConstPtr<ulong> array, in ExecArgumentLimits limits)
    {
        ValidateLimits(in limits);
        ulong used = 0;
        List<byte[]> strings = [];
        LinuxError e = CopyStringArray(in access, array.Address.Value, in limits, ref used, strings);
        return e == LinuxError.None ? strings : e;
    }

    /// <summary>Copies one string array with Linux's limits. See
    /// <see cref="CopyStringArrayFromUser(ref readonly UserAccess, UserConstPtr{ulong}, in ExecArgumentLimits)"/>.</summary>
    /// <param name="access">The open scope.</param>
    /// <param name="array">The user array; null means empty.</param>
    /// <returns>The strings, or E2BIG/EFAULT/ENOMEM; nothing on failure.</returns>
    public static UserResult<IReadOnlyList<byte[]>> CopyStringArrayFromUser(ref readonly UserAccess access, UserConstPtr<ulong> array) =>
        CopyStringArrayFromUser(in access, array, ExecArgumentLimits.Linux);

    /// <summary>Copies one string array with Linux's limits in a scope of its own. See
    /// <see cref="CopyStringArrayFromUser(ref readonly UserAccess, UserConstPtr{ulong}, in ExecArgumentLimits)"/>.</summary>
    /// <param name="provider">Gives the address space.</param>
    /// <param name="array">The user array; null means empty.</param>
    /// <returns>The strings, or E2BIG/EFAULT/ENOMEM; nothing on failure.</returns>
    public static UserResult<IReadOnlyList<byte[]>> CopyStringArrayFromUser(IAddrSpaceProvider provider, UserConstPtr<ulong> array)
    {
        using UserAccess access = UserAccess.Begin(provider);
        return CopyStringArrayFromUser(in access, array, ExecArgumentLimits.Linux);
    }

    /// <summary>
    /// Copies <c>execve</c>'s <c>argv</c> and <c>envp</c> with one shared budget, as Linux charges both to the same
    /// stack allowance.
    /// </summary>
    /// <param name="access">The open scope.</param>
    /// <param name="argv">The argument array; null means empty.</param>
    /// <param name="envp">The environment array; null means empty.</param>
    /// <param name="limits">The bounds; the count and string limits apply to each array, the total to both together.</param>
    /// <returns>Both lists; E2BIG, EFAULT or ENOMEM as for
    /// <see cref="CopyStringArrayFromUser(ref readonly UserAccess, UserConstPtr{ulong}, in ExecArgumentLimits)"/>, the first
    /// failure in <paramref name="argv"/> then <paramref name="envp"/> order. Nothing on failure.</returns>
    public static UserResult<ExecArguments> CopyExecArgumentsFromUser(ref readonly UserAccess access, UserConstPtr<ulong> argv, UserConstPtr<ulong> envp, in ExecArgumentLimits limits)
    {
        ValidateLimits(in limits);
        ulong used = 0;
        List<byte[]> arguments = [];
        LinuxError e = CopyStringArray(in access, argv.Address.Value, in limits, ref used, arguments);
        if (e != LinuxError.None)
        {
            return e;
        }

        List<byte[]> environment = [];
        e = CopyStringArray(in access, envp.Address.Value, in limits, ref used, environment);
        return e == LinuxError.None ? new ExecArguments(arguments, environment) : e;
    }

    /// <summary>Copies <c>argv</c> and <c>envp</c> with Linux's limits. See
    /// <see cref="CopyExecArgumentsFromUser(ref readonly UserAccess, UserConstPtr{ulong}, UserConstPtr{ulong}, in ExecArgumentLimits)"/>.</summary>
    /// <param name="access">The open scope.</param>
    /// <param name="argv">The argument array; null means empty.</param>
    /// <param name="envp">The environment array; null means empty.</param>
    /// <returns>Both lists, or E2BIG/EFAULT/ENOMEM; nothing on failure.</returns>
    public static UserResult<ExecArguments> CopyExecArgumentsFromUser(ref readonly UserAccess access, UserConstPtr<ulong> argv, UserConstPtr<ulong> envp) =>
        CopyExecArgumentsFromUser(in access, argv, envp, ExecArgumentLimits.Linux);

    /// <summary>Copies <c>argv</c> and <c>envp</c> in a scope of its own. See
    /// <see cref="CopyExecArgumentsFromUser(ref readonly UserAccess, UserConstPtr{ulong}, UserConstPtr{ulong}, in ExecArgumentLimits)"/>.</summary>
    /// <param name="provider">Gives the address space.</param>
    /// <param name="argv">The argument array; null means empty.</param>
    /// <param name="envp">The environment array; null means empty.</param>
    /// <returns>Both lists, or E2BIG/EFAULT/ENOMEM; nothing on failure.</returns>
    public static UserResult<ExecArguments> CopyExecArgumentsFromUser(IAddrSpaceProvider provider, UserConstPtr<ulong> argv, UserConstPtr<ulong> envp)
    {
        using UserAccess access = UserAccess.Begin(provider);
        return CopyExecArgumentsFromUser(in access, argv, envp, ExecArgumentLimits.Linux);
    }

    private static void ValidateLimits(in ExecArgumentLimits limits)
    {
        if (limits.MaxStringBytes <= 0 || limits.MaxTotalBytes == 0 || limits.MaxCount < 0)
        {
            ThrowHelper.ThrowArgument(nameof(limits), "Exec argument limits need a positive string size and budget and a non-negative count.");
        }
    }

    private static LinuxError CopyStringArray(ref readonly UserAccess access, ulong array, in ExecArgumentLimits limits, ref ulong used, List<byte[]> strings)
    {
        if (array == 0)
        {
            return LinuxError.None;
        }

        List<ulong> pointers = [];
        LinuxError e = ReadPointerArray(in access, array, in limits, ref used, pointers);
        if (e != LinuxError.None)
        {
            return e;
        }

        // The strings, each copied once into a bounded scratch buffer.
        byte[] scratch = ArrayPool<byte>.Shared.Rent(limits.MaxStringBytes);
        try
        {
            Span<byte> buffer = scratch.AsSpan(0, limits.MaxStringBytes);
            foreach (ulong p in pointers)
            {
                StrncpyResult r = StrncpyFromUser(in access, (UserConstPtr<byte>)p, buffer);
                if (!r.IsOk)
                {
                    return r.Error;
                }

                if (!r.IsTerminated)
                {
                    return LinuxError.E2BIG;
                }

                used += (ulong)r.Length + 1;
                if (used > limits.MaxTotalBytes)
                {
                    return LinuxError.E2BIG;
                }

                strings.Add(buffer[..r.Length].ToArray());
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(scratch);
        }

        return LinuxError.None;
    }

    /// <summary>
    /// Reads the pointers up to the terminating null pointer, each once, bounded by the count and by the budget
    /// (8 bytes each). They are copied in batches; a batch that stops at a bad page still yields the pointers before
    /// it, so a fault after the terminator does not matter, as in Linux.
    /// </summary>
    private static LinuxError ReadPointerArray(ref readonly UserAccess access, ulong array, in ExecArgumentLimits limits, ref ulong used, List<ulong> pointers)
    {
        Span<ulong> batch = stackalloc ulong[PointerBatch];
        ulong userEnd = UserAccess.Live(in access).UserRange.End.Value;
        for (ulong index = 0; ; index += PointerBatch)
        {
            if (index > (ulong.MaxValue - array) / sizeof(ulong) || array + (index * sizeof(ulong)) > userEnd)
            {
                return LinuxError.EFAULT;
            }

            ulong cursor = array + (index * sizeof(ulong));
            int wanted = (int)Math.Min(PointerBatch, (userEnd - cursor) / sizeof(ulong));
            if (wanted == 0)
            {
                return LinuxError.EFAULT; // not even one pointer fits below the end of user space
            }

            CopyResult read = CopyEngine.CopyIn(in access, cursor, MemoryMarshal.AsBytes(batch[..wanted]));
            int complete = (int)(read.BytesDone / sizeof(ulong));
            for (int k = 0; k < complete; k++)
            {
                ulong p = batch[k];
                if (p == 0)
                {
                    return LinuxError.None;
                }

                if (index + (ulong)k >= (ulong)limits.MaxCount)
                {
                    return LinuxError.E2BIG;
                }

                used += sizeof(ulong);
                if (used >= limits.MaxTotalBytes)
                {
                    return LinuxError.E2BIG;
                }

                pointers.Add(p);
            }

            if (!read.IsOk)
            {
                return read.Error;
            }
        }
    }
}
