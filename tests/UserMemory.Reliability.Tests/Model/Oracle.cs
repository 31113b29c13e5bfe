using System;
using System.Collections.Generic;
using System.Text.Unicode;
using UserMemory.Reliability.Tests.Fuzz;

namespace UserMemory.Reliability.Tests.Model;

/// <summary>
/// What every core API must answer, computed from <see cref="ModelSpace"/> and the project's documented semantics
/// (docs and /work/shared/semantics.md), byte by byte. Writes are applied to the model.
/// </summary>
public static class Oracle
{
    private const MappingFlags R = MappingFlags.Read;
    private const MappingFlags W = MappingFlags.Write;
    private const MappingFlags RW = MappingFlags.Read | MappingFlags.Write;
    private const ulong DefaultScanBytes = 128 * 1024;
    private const int PathMax = 4096;
    private const int IovMax = 1024;

    /// <summary>The expected outcome of <paramref name="op"/>; applies its writes to <paramref name="m"/>.</summary>
    public static Outcome Expect(ModelSpace m, Op op)
    {
        ulong a = op.Address;
        ulong size = (ulong)op.Type.Size;
        ulong align = (ulong)op.Type.Align;
        switch (op.Kind)
        {
            case OpKind.Get:
            case OpKind.GetMut:
            {
                MappingFlags need = op.Kind == OpKind.Get ? R : RW;
                if (a == 0 || a % align != 0 || !m.AllowsRange(a, size, need))
                {
                    return new Outcome(LinuxError.EFAULT);
                }

                byte[] before = m.Read(a, size);
                if (op.Kind == OpKind.GetMut)
                {
                    m.Write(a, op.Payload((int)size));
                }

                return new Outcome(LinuxError.None, data: before);
            }

            case OpKind.Slice:
            case OpKind.SliceMut:
            {
                MappingFlags need = op.Kind == OpKind.Slice ? R : RW;
                if (a == 0 || a % align != 0 || op.Count > ulong.MaxValue / size || !m.AllowsRange(a, op.Count * size, need))
                {
                    return new Outcome(LinuxError.EFAULT);
                }

                if (op.Count > int.MaxValue)
                {
                    return new Outcome(LinuxError.EINVAL);
                }

                ulong bytes = op.Count * size;
                byte[] before = bytes == 0 ? [] : m.Read(a, bytes);
                if (op.Kind == OpKind.SliceMut && bytes > 0)
                {
                    m.Write(a, op.Payload((int)bytes));
                }

                return new Outcome(LinuxError.None, op.Count, data: before);
            }

            case OpKind.NullTerminated:
            case OpKind.NullTerminatedMut:
            case OpKind.GetAsStr:
            {
                if (op.Kind == OpKind.GetAsStr)
                {
                    size = 1;
                    align = 1;
                }

                MappingFlags need = op.Kind == OpKind.NullTerminatedMut ? RW : R;
                if (a == 0 || a % align != 0)
                {
                    return new Outcome(LinuxError.EFAULT);
                }

                ulong maxElements = Math.Min((op.Count == 0 ? DefaultScanBytes : op.Count) / size, int.MaxValue);
                for (ulong i = 0; i < maxElements; i++)
                {
                    ulong at = a + (i * size); // no wrap: every earlier element was accessible, so below the user end
                    if (!m.AllowsRange(at, size, need))
                    {
                        return new Outcome(LinuxError.EFAULT);
                    }

                    if (Array.TrueForAll(m.Read(at, size), b => b == 0))
                    {
                        byte[] found = i == 0 ? [] : m.Read(a, i * size);
                        if (op.Kind == OpKind.GetAsStr)
                        {
                            return Utf8.IsValid(found) ? new Outcome(LinuxError.None, data: found) : new Outcome(LinuxError.EILSEQ);
                        }

                        if (op.Kind == OpKind.NullTerminatedMut && found.Length > 0)
                        {
                            m.Write(a, op.Payload(found.Length));
                        }

                        return new Outcome(LinuxError.None, i, data: found);
                    }
                }

                return new Outcome(LinuxError.ENAMETOOLONG);
            }

            case OpKind.CopyIn:
            case OpKind.CopyInValue:
            {
                ulong total = (op.Kind == OpKind.CopyIn ? op.Count : 1) * size;
                byte[] destination = new byte[total];
                if (!CopyAccessOk(m, a, total))
                {
                    return new Outcome(LinuxError.EFAULT, 0, data: destination);
                }

                ulong done = m.AllowedPrefix(a, total, R);
                m.Read(a, done).CopyTo(destination, 0);
                return new Outcome(done == total ? LinuxError.None : LinuxError.EFAULT, done, data: destination);
            }

            case OpKind.CopyInArray:
            {
                if (op.Count == 0)
                {
                    return new Outcome(LinuxError.None); // a copy of nothing, whatever the pointer
                }

                if (op.Count > ulong.MaxValue / size || !m.AccessOk(a, op.Count * size))
                {
                    return new Outcome(LinuxError.EFAULT);
                }

                if (op.Count > (ulong)Array.MaxLength)
                {
                    return new Outcome(LinuxError.ENOMEM);
                }

                ulong total = op.Count * size;
                return m.AllowedPrefix(a, total, R) == total ? new Outcome(LinuxError.None, op.Count, data: m.Read(a, total)) : new Outcome(LinuxError.EFAULT);
            }

            case OpKind.CopyOut:
            case OpKind.CopyOutValue:
            {
                ulong total = (op.Kind == OpKind.CopyOut ? op.Count : 1) * size;
                return CopyOut(m, a, op.Payload((int)total));
            }

            case OpKind.ReadValue:
                return m.AccessOk(a, size) && m.AllowedPrefix(a, size, R) == size ? new Outcome(LinuxError.None, data: m.Read(a, size)) : new Outcome(LinuxError.EFAULT);

            case OpKind.WriteValue:
                if (!m.AccessOk(a, size) || m.AllowedPrefix(a, size, W) != size)
                {
                    return new Outcome(LinuxError.EFAULT);
                }

                m.Write(a, op.Payload((int)size));
                return new Outcome(LinuxError.None);

            case OpKind.ZeroOut:
            {
                if (!CopyAccessOk(m, a, op.Count))
                {
                    return new Outcome(LinuxError.EFAULT);
                }

                ulong done = m.AllowedPrefix(a, op.Count, W);
                m.Write(a, new byte[done]);
                return new Outcome(done == op.Count ? LinuxError.None : LinuxError.EFAULT, done);
            }

            case OpKind.Strncpy:
            {
                (LinuxError e, ulong length, bool terminated) = ScanString(m, a, op.Count);
                if (e != LinuxError.None)
                {
                    return new Outcome(e);
                }

                byte[] data = m.Read(a, terminated ? length + 1 : length);
                return new Outcome(LinuxError.None, length, terminated, data);
            }

            case OpKind.Strnlen:
            {
                (LinuxError e, ulong length, bool terminated) = ScanString(m, a, op.Count);
                return e == LinuxError.None ? new Outcome(LinuxError.None, length, terminated) : new Outcome(e);
            }

            case OpKind.CopyPath:
            {
                (LinuxError e, ulong length, bool terminated) = ScanString(m, a, PathMax);
                if (e != LinuxError.None)
                {
                    return new Outcome(e);
                }

                if (!terminated)
                {
                    return new Outcome(LinuxError.ENAMETOOLONG);
                }

                return length == 0 && (op.Extra & 1) == 0 ? new Outcome(LinuxError.ENOENT) : new Outcome(LinuxError.None, data: m.Read(a, length));
            }

            case OpKind.CopyString:
            case OpKind.CopyUtf8String:
            {
                (LinuxError e, ulong length, bool terminated) = ScanString(m, a, op.Count);
                if (e != LinuxError.None)
                {
                    return new Outcome(e);
                }

                if (!terminated)
                {
                    return new Outcome(LinuxError.ENAMETOOLONG);
                }

                byte[] s = m.Read(a, length);
                return op.Kind == OpKind.CopyUtf8String && !Utf8.IsValid(s) ? new Outcome(LinuxError.EILSEQ) : new Outcome(LinuxError.None, data: s);
            }

            case OpKind.ImportIoVectors:
                return ImportIoVectors(m, a, (long)op.Count);

            case OpKind.CopyInVector:
                return CopyInVector(m, op.Vectors, (int)op.Count, op.Extra);

            case OpKind.CopyOutVector:
                return CopyOutVector(m, op.Vectors, op.Payload((int)op.Count), op.Extra);

            case OpKind.StringArray:
            {
                ExecArgumentLimits limits = UntypedOps.Limits(op.Extra);
                ulong used = 0;
                var strings = new List<byte[]>();
                LinuxError e = StringArray(m, a, limits, ref used, strings);
                return e == LinuxError.None ? new Outcome(LinuxError.None, (ulong)strings.Count, data: UntypedOps.Join(strings)) : new Outcome(e);
            }

            case OpKind.ExecArguments:
            {
                ExecArgumentLimits limits = UntypedOps.Limits(op.Extra);
                ulong used = 0;
                var arguments = new List<byte[]>();
                var environment = new List<byte[]>();
                LinuxError e = StringArray(m, a, limits, ref used, arguments);
                if (e == LinuxError.None)
                {
                    e = StringArray(m, op.Address2, limits, ref used, environment);
                }

                return e == LinuxError.None ? new Outcome(LinuxError.None, (ulong)arguments.Count, data: [.. UntypedOps.Join(arguments), 0xEE, .. UntypedOps.Join(environment)]) : new Outcome(e);
            }

            case OpKind.StructFromUser:
                return StructFromUser(m, a, size, op.Count, op.Extra);

            case OpKind.StructToUser:
            {
                byte[] kernel = op.Payload((int)size);
                if ((op.Seed & 1) == 0)
                {
                    kernel.AsSpan(kernel.Length / 2).Clear();
                }

                return StructToUser(m, a, kernel, op.Count, op.Extra);
            }

            case OpKind.AtomicLoad32:
            case OpKind.CompareExchange32:
            {
                if (a % 4 != 0)
                {
                    return new Outcome(LinuxError.EINVAL);
                }

                MappingFlags need = op.Kind == OpKind.AtomicLoad32 ? R : RW;
                if (!m.AllowsRange(a, 4, need))
                {
                    return new Outcome(LinuxError.EFAULT);
                }

                uint current = BitConverter.ToUInt32(m.Read(a, 4));
                if (op.Kind == OpKind.CompareExchange32 && current == (uint)op.Address2)
                {
                    m.Write(a, BitConverter.GetBytes((uint)op.Seed));
                }

                return new Outcome(LinuxError.None, current);
            }

            case OpKind.CaptureIn:
            {
                byte[] destination = new byte[op.Count];
                if (!CopyAccessOk(m, a, op.Count))
                {
                    return new Outcome(LinuxError.EFAULT, 0, false, [.. destination, .. BitConverter.GetBytes(0UL), (byte)R]);
                }

                ulong done = 0;
                while (done < op.Count && m.Allows(a + done, R) && m.IsPopulated(a + done))
                {
                    done++;
                }

                m.Read(a, done).CopyTo(destination, 0);
                bool fault = done < op.Count;
                return new Outcome(fault ? LinuxError.EFAULT : LinuxError.None, done, fault, [.. destination, .. BitConverter.GetBytes(fault ? a + done : 0), (byte)R]);
            }

            case OpKind.CaptureOut:
            {
                if (!CopyAccessOk(m, a, op.Count))
                {
                    return new Outcome(LinuxError.EFAULT, 0, false, [.. BitConverter.GetBytes(0UL), (byte)W]);
                }

                byte[] source = op.Payload((int)op.Count);
                ulong done = 0;
                while (done < op.Count && m.Allows(a + done, W) && m.IsPopulated(a + done))
                {
                    done++;
                }

                m.Write(a, source.AsSpan(0, (int)done));
                bool fault = done < op.Count;
                return new Outcome(fault ? LinuxError.EFAULT : LinuxError.None, done, fault, [.. BitConverter.GetBytes(fault ? a + done : 0), (byte)W]);
            }

            case OpKind.WindowRead:
            case OpKind.WindowWrite:
                return Window(m, op, size, align);

            default:
                throw new InvalidOperationException(op.Kind.ToString());
        }
    }

    /// <summary>A batching window: opening checks access_ok and the flags of the whole range once (a count * size
    /// overflow is EFAULT; an empty window opens at any user address); later accesses are checked only against the
    /// window's bounds; slices also need the element alignment (EINVAL above int.MaxValue elements).</summary>
    private static Outcome Window(ModelSpace m, Op op, ulong size, ulong align)
    {
        ulong a = op.Address;
        MappingFlags need = op.Kind == OpKind.WindowRead ? R : RW;
        if (op.Count > ulong.MaxValue / size || !m.AccessOk(a, op.Count * size))
        {
            return new Outcome(LinuxError.EFAULT);
        }

        ulong windowSize = op.Count * size;
        if (windowSize > 0 && !m.AllowsRange(a, windowSize, need))
        {
            return new Outcome(LinuxError.EFAULT);
        }

        bool Fits(ulong offset, ulong length) => offset <= windowSize && length <= windowSize - offset;
        ulong off = op.WindowOffset;
        LinuxError one = Fits(off, size) ? LinuxError.None : LinuxError.EFAULT;
        ulong n = op.SliceCount;
        ulong sliceOffset = op.SliceOffset;
        LinuxError slice = !Fits(sliceOffset, n * size) || (a + sliceOffset) % align != 0 ? LinuxError.EFAULT : LinuxError.None;
        if (op.Kind == OpKind.WindowRead)
        {
            byte[] data = [.. (one == LinuxError.None ? m.Read(a + off, size) : []), .. (slice == LinuxError.None ? m.Read(a + sliceOffset, n * size) : [])];
            return new Outcome(LinuxError.None, ((ulong)one << 32) | (uint)slice, data: data);
        }

        if (one == LinuxError.None)
        {
            m.Write(a + off, op.Payload((int)size));
        }

        if (slice == LinuxError.None && n > 0)
        {
            byte[] payload = op.Payload((int)(n * size));
            payload.AsSpan().Reverse();
            m.Write(a + sliceOffset, payload);
        }

        return new Outcome(LinuxError.None, ((ulong)one << 32) | (uint)slice);
    }

    /// <summary>The copy API's range check: a copy of zero bytes is fine whatever the address (Linux's copy_*_user with
    /// n = 0); otherwise access_ok.</summary>
    private static bool CopyAccessOk(ModelSpace m, ulong address, ulong size) => size == 0 || m.AccessOk(address, size);

    /// <summary>A copy to user memory: access_ok on the whole range, then bytes in order until one is not writable.</summary>
    private static Outcome CopyOut(ModelSpace m, ulong address, byte[] source)
    {
        if (!CopyAccessOk(m, address, (ulong)source.Length))
        {
            return new Outcome(LinuxError.EFAULT);
        }

        ulong done = m.AllowedPrefix(address, (ulong)source.Length, W);
        m.Write(address, source.AsSpan(0, (int)done));
        return new Outcome(done == (ulong)source.Length ? LinuxError.None : LinuxError.EFAULT, done);
    }

    /// <summary>strncpy_from_user / strnlen_user: a zero limit reads nothing; else the first byte must be a user
    /// address; then bytes in order until a NUL (terminated), the limit (unterminated) or an unreadable byte (EFAULT).</summary>
    private static (LinuxError Error, ulong Length, bool Terminated) ScanString(ModelSpace m, ulong address, ulong limit)
    {
        if (limit == 0)
        {
            return (LinuxError.None, 0, false);
        }

        if (!m.AccessOk(address, 1))
        {
            return (LinuxError.EFAULT, 0, false);
        }

        for (ulong i = 0; i < limit; i++)
        {
            ulong at = address + i;
            if (at < address || !m.Allows(at, R))
            {
                return (LinuxError.EFAULT, 0, false);
            }

            if (m.Read(at) == 0)
            {
                return (LinuxError.None, i, true);
            }
        }

        return (LinuxError.None, limit, false);
    }

    private static Outcome ImportIoVectors(ModelSpace m, ulong address, long count)
    {
        if (count < 0 || count > IovMax)
        {
            return new Outcome(LinuxError.EINVAL);
        }

        if (count == 0)
        {
            return new Outcome(LinuxError.None); // nothing to import: the pointer is not looked at (Linux)
        }

        ulong bytes = (ulong)count * 16;
        if (!m.AccessOk(address, bytes) || m.AllowedPrefix(address, bytes, R) != bytes)
        {
            return new Outcome(LinuxError.EFAULT);
        }

        var kept = new List<IoVec>();
        ulong total = 0;
        for (long i = 0; i < count; i++)
        {
            ulong b = BitConverter.ToUInt64(m.Read(address + ((ulong)i * 16), 8));
            ulong length = BitConverter.ToUInt64(m.Read(address + ((ulong)i * 16) + 8, 8));
            if (length > long.MaxValue)
            {
                return new Outcome(LinuxError.EINVAL);
            }

            // Linux validates only the upper bound early (access_ok): base + length must not pass the user end.
            if (b > m.End || length > m.End - b)
            {
                return new Outcome(LinuxError.EFAULT);
            }

            total += length;
            if (total > long.MaxValue)
            {
                return new Outcome(LinuxError.EINVAL);
            }

            if (length != 0)
            {
                kept.Add(new IoVec(b, length));
            }
        }

        return new Outcome(LinuxError.None, (ulong)kept.Count, data: UntypedOps.Serialize(kept.ToArray()));
    }

    /// <summary>Vectors in order, skipping <paramref name="offset"/> bytes first; each piece is one copy with access_ok
    /// and a byte prefix; the first short piece ends the transfer.</summary>
    private static Outcome CopyInVector(ModelSpace m, IoVec[] vectors, int length, ulong offset)
    {
        byte[] destination = new byte[length];
        int done = 0;
        ulong skip = offset;
        foreach (IoVec v in vectors)
        {
            if (done == length)
            {
                break;
            }

            if (skip >= v.Length)
            {
                skip -= v.Length;
                continue;
            }

            int piece = (int)Math.Min(v.Length - skip, (ulong)(length - done));
            ulong start = v.Base + skip;
            if (start < v.Base || !m.AccessOk(start, (ulong)piece))
            {
                return new Outcome(LinuxError.EFAULT, (ulong)done, data: destination);
            }

            ulong ok = m.AllowedPrefix(start, (ulong)piece, R);
            m.Read(start, ok).CopyTo(destination, done);
            done += (int)ok;
            if (ok != (ulong)piece)
            {
                return new Outcome(LinuxError.EFAULT, (ulong)done, data: destination);
            }

            skip = 0;
        }

        return new Outcome(LinuxError.None, (ulong)done, data: destination);
    }

    private static Outcome CopyOutVector(ModelSpace m, IoVec[] vectors, byte[] source, ulong offset)
    {
        int done = 0;
        ulong skip = offset;
        foreach (IoVec v in vectors)
        {
            if (done == source.Length)
            {
                break;
            }

            if (skip >= v.Length)
            {
                skip -= v.Length;
                continue;
            }

            int piece = (int)Math.Min(v.Length - skip, (ulong)(source.Length - done));
            ulong start = v.Base + skip;
            if (start < v.Base || !m.AccessOk(start, (ulong)piece))
            {
                return new Outcome(LinuxError.EFAULT, (ulong)done);
            }

            ulong ok = m.AllowedPrefix(start, (ulong)piece, W);
            m.Write(start, source.AsSpan(done, (int)ok));
            done += (int)ok;
            if (ok != (ulong)piece)
            {
                return new Outcome(LinuxError.EFAULT, (ulong)done);
            }

            skip = 0;
        }

        return new Outcome(LinuxError.None, (ulong)done);
    }

    /// <summary>One execve string array: a null array is empty; pointers first (each an 8-byte read; more than
    /// MaxCount, or pointers alone leaving no room in the budget, is E2BIG), then each string (longer than
    /// MaxStringBytes with its NUL, or over the budget, is E2BIG).</summary>
    private static LinuxError StringArray(ModelSpace m, ulong array, ExecArgumentLimits limits, ref ulong used, List<byte[]> strings)
    {
        if (array == 0)
        {
            return LinuxError.None;
        }

        var pointers = new List<ulong>();
        for (ulong i = 0; ; i++)
        {
            ulong at = array + (i * 8);
            if (i > (ulong.MaxValue - array) / 8 || !m.AccessOk(at, 8) || m.AllowedPrefix(at, 8, R) != 8)
            {
                return LinuxError.EFAULT;
            }

            ulong p = BitConverter.ToUInt64(m.Read(at, 8));
            if (p == 0)
            {
                break;
            }

            if (i >= (ulong)limits.MaxCount)
            {
                return LinuxError.E2BIG;
            }

            used += 8;
            if (used >= limits.MaxTotalBytes)
            {
                return LinuxError.E2BIG;
            }

            pointers.Add(p);
        }

        foreach (ulong p in pointers)
        {
            (LinuxError e, ulong length, bool terminated) = ScanString(m, p, (ulong)limits.MaxStringBytes);
            if (e != LinuxError.None)
            {
                return e;
            }

            if (!terminated)
            {
                return LinuxError.E2BIG;
            }

            used += length + 1;
            if (used > limits.MaxTotalBytes)
            {
                return LinuxError.E2BIG;
            }

            strings.Add(m.Read(p, length));
        }

        return LinuxError.None;
    }

    /// <summary>copy_struct_from_user: usize over the bound is E2BIG; access_ok; a newer user struct's extra bytes must
    /// be readable (EFAULT) and zero (E2BIG), in address order; then min(usize, ksize) bytes must be readable. The
    /// kernel struct is the user's bytes, zero-extended; all zero on failure.</summary>
    private static Outcome StructFromUser(ModelSpace m, ulong address, ulong kernelSize, ulong userSize, ulong maxUserSize)
    {
        byte[] kernel = new byte[kernelSize];
        if (userSize > maxUserSize)
        {
            return new Outcome(LinuxError.E2BIG, data: kernel);
        }

        if (!CopyAccessOk(m, address, userSize))
        {
            return new Outcome(LinuxError.EFAULT, data: kernel);
        }

        for (ulong i = kernelSize; i < userSize; i++)
        {
            if (!m.Allows(address + i, R))
            {
                return new Outcome(LinuxError.EFAULT, data: kernel);
            }

            if (m.Read(address + i) != 0)
            {
                return new Outcome(LinuxError.E2BIG, data: kernel);
            }
        }

        ulong size = Math.Min(kernelSize, userSize);
        if (m.AllowedPrefix(address, size, R) != size)
        {
            return new Outcome(LinuxError.EFAULT, data: kernel);
        }

        m.Read(address, size).CopyTo(kernel, 0);
        return new Outcome(LinuxError.None, data: kernel);
    }

    /// <summary>copy_struct_to_user: E2BIG over the bound; access_ok; a newer user struct's tail is cleared first (as
    /// far as writable), then min(usize, ksize) bytes copied (as far as writable). The flag says kernel bytes beyond
    /// an older user struct were not all zero.</summary>
    private static Outcome StructToUser(ModelSpace m, ulong address, byte[] kernel, ulong userSize, ulong maxUserSize)
    {
        if (userSize > maxUserSize)
        {
            return new Outcome(LinuxError.E2BIG);
        }

        if (!CopyAccessOk(m, address, userSize))
        {
            return new Outcome(LinuxError.EFAULT);
        }

        ulong kernelSize = (ulong)kernel.Length;
        bool ignored = false;
        if (userSize > kernelSize)
        {
            ulong tail = userSize - kernelSize;
            ulong cleared = m.AllowedPrefix(address + kernelSize, tail, W);
            m.Write(address + kernelSize, new byte[cleared]);
            if (cleared != tail)
            {
                return new Outcome(LinuxError.EFAULT);
            }
        }
        else
        {
            ignored = Array.Exists(kernel, b => b != 0) && kernel.AsSpan((int)userSize).ContainsAnyExcept((byte)0);
        }

        Outcome copied = CopyOut(m, address, kernel.AsSpan(0, (int)Math.Min(kernelSize, userSize)).ToArray());
        return new Outcome(copied.Error, flag: ignored);
    }
}
