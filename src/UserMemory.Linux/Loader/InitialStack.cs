using System;
using System.Buffers.Binary;
using System.Collections.Generic;

namespace UserMemory.Linux.Loader;

/// <summary>
/// Lays out a new program's initial stack the way Linux does on x86-64: <c>argc</c> at the stack pointer, then the
/// <c>argv</c> pointers and a NULL, the <c>envp</c> pointers and a NULL, the auxiliary vector ending in AT_NULL, and
/// above them the strings, the 16 AT_RANDOM bytes, the platform string and the executable's name. The stack pointer is
/// 16-byte aligned. Pure computation: the caller writes <see cref="Image"/> at <see cref="StackPointer"/>.
/// </summary>
public sealed class InitialStack
{
    private InitialStack(ulong stackPointer, byte[] image, IReadOnlyList<KeyValuePair<AuxvType, ulong>> auxv)
    {
        StackPointer = stackPointer;
        Image = image;
        AuxiliaryVector = auxv;
    }

    /// <summary>The initial RSP (16-byte aligned), where <c>argc</c> is.</summary>
    public ulong StackPointer { get; }

    /// <summary>The bytes from <see cref="StackPointer"/> up to the stack top.</summary>
    public byte[] Image { get; }

    /// <summary>The auxiliary vector as written (AT_NULL excluded).</summary>
    public IReadOnlyList<KeyValuePair<AuxvType, ulong>> AuxiliaryVector { get; }

    /// <summary>Builds the stack.</summary>
    /// <param name="stackTop">The address just past the stack (16-byte aligned).</param>
    /// <param name="argv">The arguments, without NULs.</param>
    /// <param name="envp">The environment entries, without NULs.</param>
    /// <param name="executableName">AT_EXECFN's string.</param>
    /// <param name="random">16 random bytes for AT_RANDOM.</param>
    /// <param name="auxv">The auxiliary entries other than AT_RANDOM, AT_EXECFN, AT_PLATFORM and AT_NULL, which are
    /// added here.</param>
    /// <returns>The stack.</returns>
    public static InitialStack Build(ulong stackTop, IReadOnlyList<byte[]> argv, IReadOnlyList<byte[]> envp, byte[] executableName, ReadOnlySpan<byte> random, IReadOnlyList<KeyValuePair<AuxvType, ulong>> auxv)
    {
        ArgumentNullException.ThrowIfNull(argv);
        ArgumentNullException.ThrowIfNull(envp);
        ArgumentNullException.ThrowIfNull(executableName);
        ArgumentNullException.ThrowIfNull(auxv);
        if (random.Length != 16 || (stackTop & 15) != 0)
        {
            throw new ArgumentException("AT_RANDOM needs 16 bytes and the stack top must be 16-byte aligned.");
        }

        ReadOnlySpan<byte> platform = "x86_64"u8;
        ulong pos = stackTop - 8; // an 8-byte end marker, as Linux leaves
        ulong execFn = pos -= (ulong)executableName.Length + 1;
        ulong stringBytes = 0;
        foreach (byte[] s in argv)
        {
            stringBytes += (ulong)s.Length + 1;
        }

        foreach (byte[] s in envp)
        {
            stringBytes += (ulong)s.Length + 1;
        }

        ulong strings = pos -= stringBytes;
        ulong platformAt = pos -= (ulong)platform.Length + 1;
        pos &= ~15UL;
        ulong randomAt = pos -= 16;

        var fullAuxv = new List<KeyValuePair<AuxvType, ulong>>(auxv)
        {
            new(AuxvType.Random, randomAt),
            new(AuxvType.ExecutableFileName, execFn),
            new(AuxvType.Platform, platformAt),
        };
        ulong words = 1 + (ulong)argv.Count + 1 + (ulong)envp.Count + 1 + (2 * ((ulong)fullAuxv.Count + 1));
        ulong sp = (pos - (words * 8)) & ~15UL;
        byte[] image = new byte[stackTop - sp];

        void Word(ulong at, ulong value) => BinaryPrimitives.WriteUInt64LittleEndian(image.AsSpan((int)(at - sp)), value);
        void Bytes(ulong at, ReadOnlySpan<byte> value) => value.CopyTo(image.AsSpan((int)(at - sp)));

        Bytes(execFn, executableName);
        Bytes(platformAt, platform);
        Bytes(randomAt, random);
        ulong cursor = sp;
        Word(cursor, (ulong)argv.Count);
        cursor += 8;
        ulong str = strings;
        foreach (byte[] s in argv)
        {
            Word(cursor, str);
            cursor += 8;
            Bytes(str, s);
            str += (ulong)s.Length + 1;
        }

        cursor += 8; // argv NULL
        foreach (byte[] s in envp)
        {
            Word(cursor, str);
            cursor += 8;
            Bytes(str, s);
            str += (ulong)s.Length + 1;
        }

        cursor += 8; // envp NULL
        foreach (KeyValuePair<AuxvType, ulong> kv in fullAuxv)
        {
            Word(cursor, (ulong)kv.Key);
            Word(cursor + 8, kv.Value);
            cursor += 16;
        }

        // AT_NULL pair is already zero.
        return new InitialStack(sp, image, fullAuxv);
    }
}
