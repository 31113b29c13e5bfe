using System;
using System.Collections.Generic;
using System.Text;

namespace UserMemory.Reliability.Tests.Fuzz;

/// <summary>The byte-oriented core calls (strings, iovecs, string arrays, atomics) against the real implementation.</summary>
public static class UntypedOps
{
    /// <summary>Runs <paramref name="op"/>.</summary>
    public static Outcome Run(ref readonly UserAccess access, Op op)
    {
        var bytePtr = (UserConstPtr<byte>)op.Address;
        switch (op.Kind)
        {
            case OpKind.GetAsStr:
            {
                UserResult<string> r = bytePtr.GetAsStr(in access, op.Count);
                return r.TryGetValue(out string? s) ? new Outcome(LinuxError.None, data: Encoding.UTF8.GetBytes(s)) : new Outcome(r.Error);
            }

            case OpKind.ZeroOut:
            {
                CopyResult r = UserCopy.ZeroOut(in access, (UserPtr<byte>)op.Address, op.Count);
                return new Outcome(r.Error, r.BytesDone);
            }

            case OpKind.Strncpy:
            {
                byte[] destination = new byte[op.Count];
                destination.AsSpan().Fill(0xCC);
                StrncpyResult r = UserCopy.StrncpyFromUser(in access, bytePtr, destination);
                if (!r.IsOk)
                {
                    return new Outcome(r.Error);
                }

                // The string and its terminator are defined; bytes after the terminator are not part of the contract.
                int defined = r.IsTerminated ? r.Length + 1 : r.Length;
                return new Outcome(LinuxError.None, (ulong)r.Length, r.IsTerminated, destination.AsSpan(0, defined).ToArray());
            }

            case OpKind.Strnlen:
            {
                StrnlenResult r = UserCopy.StrnlenUser(in access, bytePtr, op.Count);
                return r.IsOk ? new Outcome(LinuxError.None, r.Length, r.IsTerminated) : new Outcome(r.Error);
            }

            case OpKind.CopyPath:
            {
                UserResult<byte[]> r = UserCopy.CopyPathFromUser(in access, bytePtr, allowEmpty: (op.Extra & 1) != 0);
                return r.TryGetValue(out byte[]? path) ? new Outcome(LinuxError.None, data: path) : new Outcome(r.Error);
            }

            case OpKind.CopyString:
            {
                UserResult<byte[]> r = UserCopy.CopyStringFromUser(in access, bytePtr, (int)op.Count);
                return r.TryGetValue(out byte[]? s) ? new Outcome(LinuxError.None, data: s) : new Outcome(r.Error);
            }

            case OpKind.CopyUtf8String:
            {
                UserResult<string> r = UserCopy.CopyUtf8StringFromUser(in access, bytePtr, (int)op.Count);
                return r.TryGetValue(out string? s) ? new Outcome(LinuxError.None, data: Encoding.UTF8.GetBytes(s)) : new Outcome(r.Error);
            }

            case OpKind.ImportIoVectors:
            {
                UserResult<IoVec[]> r = UserCopy.ImportIoVectors(in access, (UserConstPtr<IoVec>)op.Address, (long)op.Count);
                return r.TryGetValue(out IoVec[]? v) ? new Outcome(LinuxError.None, (ulong)v.Length, data: Serialize(v)) : new Outcome(r.Error);
            }

            case OpKind.CopyInVector:
            {
                byte[] destination = new byte[op.Count];
                destination.AsSpan().Fill(0xCC);
                CopyResult r = UserCopy.CopyInVector(in access, op.Vectors, destination, op.Extra);
                return new Outcome(r.Error, r.BytesDone, data: destination);
            }

            case OpKind.CopyOutVector:
            {
                CopyResult r = UserCopy.CopyOutVector(in access, op.Vectors, op.Payload((int)op.Count), op.Extra);
                return new Outcome(r.Error, r.BytesDone);
            }

            case OpKind.StringArray:
            {
                UserResult<IReadOnlyList<byte[]>> r = UserCopy.CopyStringArrayFromUser(in access, (UserConstPtr<ulong>)op.Address, Limits(op.Extra));
                return r.TryGetValue(out IReadOnlyList<byte[]>? strings) ? new Outcome(LinuxError.None, (ulong)strings.Count, data: Join(strings)) : new Outcome(r.Error);
            }

            case OpKind.ExecArguments:
            {
                UserResult<ExecArguments> r = UserCopy.CopyExecArgumentsFromUser(in access, (UserConstPtr<ulong>)op.Address, (UserConstPtr<ulong>)op.Address2, Limits(op.Extra));
                if (!r.TryGetValue(out ExecArguments? args))
                {
                    return new Outcome(r.Error);
                }

                byte[] data = [.. Join(args.Arguments), 0xEE, .. Join(args.Environment)];
                return new Outcome(LinuxError.None, (ulong)args.Arguments.Count, data: data);
            }

            case OpKind.AtomicLoad32:
            {
                UserResult<uint> r = UserCopy.AtomicLoad32(in access, (UserConstPtr<uint>)op.Address);
                return r.TryGetValue(out uint v) ? new Outcome(LinuxError.None, v) : new Outcome(r.Error);
            }

            case OpKind.CompareExchange32:
            {
                UserResult<uint> r = UserCopy.CompareExchange32(in access, (UserPtr<uint>)op.Address, (uint)op.Address2, (uint)op.Seed);
                return r.TryGetValue(out uint v) ? new Outcome(LinuxError.None, v) : new Outcome(r.Error);
            }

            case OpKind.CaptureIn:
            {
                byte[] destination = new byte[op.Count];
                destination.AsSpan().Fill(0xCC);
                CaptureFaultsResult r = UserCopy.CopyInCaptureFaults(in access, bytePtr, destination);
                return new Outcome(r.Error, r.BytesDone, r.HasFault, [.. destination, .. BitConverter.GetBytes(r.HasFault ? r.FaultAddress.Value : 0), (byte)r.FaultAccess]);
            }

            case OpKind.CaptureOut:
            {
                CaptureFaultsResult r = UserCopy.CopyOutCaptureFaults(in access, (UserPtr<byte>)op.Address, op.Payload((int)op.Count));
                return new Outcome(r.Error, r.BytesDone, r.HasFault, [.. BitConverter.GetBytes(r.HasFault ? r.FaultAddress.Value : 0), (byte)r.FaultAccess]);
            }

            default:
                throw new InvalidOperationException($"not an untyped op: {op.Kind}");
        }
    }

    /// <summary>The small exec limits selected by <paramref name="selector"/>, so E2BIG is reachable.</summary>
    public static ExecArgumentLimits Limits(ulong selector) => new()
    {
        MaxStringBytes = 1 + (int)(selector % 40),
        MaxTotalBytes = 1 + ((selector >> 8) % 200),
        MaxCount = (int)((selector >> 16) % 8),
    };

    /// <summary>Length-prefixed concatenation of strings.</summary>
    public static byte[] Join(IReadOnlyList<byte[]> strings)
    {
        var all = new List<byte>();
        foreach (byte[] s in strings)
        {
            all.AddRange(BitConverter.GetBytes(s.Length));
            all.AddRange(s);
        }

        return all.ToArray();
    }

    /// <summary>The 16-byte wire form of iovecs.</summary>
    public static byte[] Serialize(IoVec[] vectors)
    {
        byte[] bytes = new byte[vectors.Length * 16];
        for (int i = 0; i < vectors.Length; i++)
        {
            BitConverter.TryWriteBytes(bytes.AsSpan(i * 16), vectors[i].Base);
            BitConverter.TryWriteBytes(bytes.AsSpan((i * 16) + 8), vectors[i].Length);
        }

        return bytes;
    }
}
