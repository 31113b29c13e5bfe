using System;
using System.Runtime.InteropServices;
using UserMemory.Reliability.Tests.Support;

namespace UserMemory.Reliability.Tests.Fuzz;

/// <summary>A fuzz element type: its size and alignment, and the typed core calls made with it.</summary>
public abstract class ElementType
{
    /// <summary>sizeof(T).</summary>
    public abstract int Size { get; }

    /// <summary>The natural alignment the core uses for T.</summary>
    public abstract int Align { get; }

    /// <summary>Runs a typed operation against the real implementation.</summary>
    public abstract Outcome Run(ref readonly UserAccess access, Op op);
}

/// <summary>The typed core calls for one element type.</summary>
/// <typeparam name="T">The element type.</typeparam>
public sealed class ElementType<T> : ElementType
    where T : unmanaged, IEquatable<T>
{
    /// <inheritdoc/>
    public override int Size => ElementBytes.SizeOf<T>();

    /// <inheritdoc/>
    public override int Align => (int)AlignOf<T>.Value;

    /// <inheritdoc/>
    public override string ToString() => typeof(T).Name;

    /// <inheritdoc/>
    public override Outcome Run(ref readonly UserAccess access, Op op)
    {
        var constPtr = (UserConstPtr<T>)op.Address;
        var ptr = (UserPtr<T>)op.Address;
        switch (op.Kind)
        {
            case OpKind.Get:
            {
                UserReadOnlyRef<T> r = constPtr.Get(in access);
                return r.IsOk ? new Outcome(LinuxError.None, data: ElementBytes.Of(in r.Value).ToArray()) : new Outcome(r.Error);
            }

            case OpKind.GetMut:
            {
                UserRef<T> r = ptr.Get(in access);
                if (!r.IsOk)
                {
                    return new Outcome(r.Error);
                }

                byte[] before = ElementBytes.Of(in r.Value).ToArray();
                r.Value = ElementBytes.From<T>(op.Payload(Size));
                return new Outcome(LinuxError.None, data: before);
            }

            case OpKind.Slice:
            {
                UserReadOnlySpan<T> s = constPtr.GetAsSlice(in access, op.Count);
                return s.TryGetValue(out ReadOnlySpan<T> span) ? new Outcome(LinuxError.None, (ulong)span.Length, data: MemoryMarshal.AsBytes(span).ToArray()) : new Outcome(s.Error);
            }

            case OpKind.SliceMut:
            {
                UserSpan<T> s = ptr.GetAsSlice(in access, op.Count);
                if (!s.TryGetValue(out Span<T> span))
                {
                    return new Outcome(s.Error);
                }

                byte[] before = MemoryMarshal.AsBytes(span).ToArray();
                op.Payload(before.Length).CopyTo(MemoryMarshal.AsBytes(span));
                return new Outcome(LinuxError.None, (ulong)span.Length, data: before);
            }

            case OpKind.NullTerminated:
            {
                UserReadOnlySpan<T> s = constPtr.GetAsNullTerminated(in access, op.Count);
                return s.TryGetValue(out ReadOnlySpan<T> span) ? new Outcome(LinuxError.None, (ulong)span.Length, data: MemoryMarshal.AsBytes(span).ToArray()) : new Outcome(s.Error);
            }

            case OpKind.NullTerminatedMut:
            {
                UserSpan<T> s = ptr.GetAsNullTerminated(in access, op.Count);
                if (!s.TryGetValue(out Span<T> span))
                {
                    return new Outcome(s.Error);
                }

                byte[] before = MemoryMarshal.AsBytes(span).ToArray();
                op.Payload(before.Length).CopyTo(MemoryMarshal.AsBytes(span));
                return new Outcome(LinuxError.None, (ulong)span.Length, data: before);
            }

            case OpKind.CopyIn:
            {
                T[] destination = new T[op.Count];
                MemoryMarshal.AsBytes(destination.AsSpan()).Fill(0xCC);
                CopyResult r = UserCopy.CopyIn(in access, constPtr, destination.AsSpan());
                return new Outcome(r.Error, r.BytesDone, data: MemoryMarshal.AsBytes(destination.AsSpan()).ToArray());
            }

            case OpKind.CopyInValue:
            {
                CopyResult r = UserCopy.CopyIn(in access, constPtr, out T value);
                return new Outcome(r.Error, r.BytesDone, data: ElementBytes.Of(in value).ToArray());
            }

            case OpKind.CopyInArray:
            {
                UserResult<T[]> r = UserCopy.CopyInArray(in access, constPtr, op.Count);
                return r.TryGetValue(out T[]? array) ? new Outcome(LinuxError.None, (ulong)array.Length, data: MemoryMarshal.AsBytes(array.AsSpan()).ToArray()) : new Outcome(r.Error);
            }

            case OpKind.CopyOut:
            {
                T[] source = MemoryMarshal.Cast<byte, T>(op.Payload(checked((int)op.Count * Size))).ToArray();
                CopyResult r = UserCopy.CopyOut(in access, ptr, (ReadOnlySpan<T>)source);
                return new Outcome(r.Error, r.BytesDone);
            }

            case OpKind.CopyOutValue:
            {
                T value = ElementBytes.From<T>(op.Payload(Size));
                CopyResult r = UserCopy.CopyOut(in access, ptr, in value);
                return new Outcome(r.Error, r.BytesDone);
            }

            case OpKind.ReadValue:
            {
                UserResult<T> r = UserCopy.ReadValue(in access, constPtr);
                return r.TryGetValue(out T value) ? new Outcome(LinuxError.None, data: ElementBytes.Of(in value).ToArray()) : new Outcome(r.Error);
            }

            case OpKind.WriteValue:
                return new Outcome(UserCopy.WriteValue(in access, ptr, ElementBytes.From<T>(op.Payload(Size))));

            case OpKind.StructFromUser:
            {
                byte[] kernel = new byte[Size];
                kernel.AsSpan().Fill(0xCC);
                LinuxError e = UserCopy.CopyStructFromUser(in access, kernel, (UserConstPtr<byte>)op.Address, op.Count, op.Extra);
                return new Outcome(e, data: kernel);
            }

            case OpKind.StructToUser:
            {
                byte[] kernel = op.Payload(Size);
                if ((op.Seed & 1) == 0)
                {
                    kernel.AsSpan(kernel.Length / 2).Clear(); // often an all-zero tail, so both answers of the flag occur
                }

                LinuxError e = UserCopy.CopyStructToUser(in access, (UserPtr<byte>)op.Address, op.Count, kernel, out bool ignored, op.Extra);
                return new Outcome(e, flag: ignored);
            }

            case OpKind.WindowRead:
            {
                UserAccessWindow window = UserAccessWindow.OpenRead(in access, constPtr, op.Count);
                if (!window.IsOk)
                {
                    return new Outcome(window.Error);
                }

                UserResult<T> one = window.Read<T>(op.WindowOffset);
                UserReadOnlySpan<T> slice = window.ReadOnlySlice<T>(op.SliceOffset, op.SliceCount);
                byte[] data = [.. (one.TryGetValue(out T v) ? ElementBytes.Of(in v).ToArray() : []), .. (slice.TryGetValue(out ReadOnlySpan<T> span) ? MemoryMarshal.AsBytes(span).ToArray() : [])];
                return new Outcome(LinuxError.None, ((ulong)one.Error << 32) | (uint)slice.Error, data: data);
            }

            case OpKind.WindowWrite:
            {
                UserAccessWindow window = UserAccessWindow.OpenReadWrite(in access, ptr, op.Count);
                if (!window.IsOk)
                {
                    return new Outcome(window.Error);
                }

                LinuxError one = window.Write(op.WindowOffset, ElementBytes.From<T>(op.Payload(Size)));
                UserSpan<T> slice = window.Slice<T>(op.SliceOffset, op.SliceCount);
                if (slice.TryGetValue(out Span<T> span))
                {
                    byte[] payload = op.Payload(span.Length * Size);
                    payload.AsSpan().Reverse();
                    payload.CopyTo(MemoryMarshal.AsBytes(span));
                }

                return new Outcome(LinuxError.None, ((ulong)one << 32) | (uint)slice.Error);
            }

            default:
                return UntypedOps.Run(in access, op);
        }
    }
}
