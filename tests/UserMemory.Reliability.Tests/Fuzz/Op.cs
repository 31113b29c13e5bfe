using System;
using System.Globalization;
using System.Linq;

namespace UserMemory.Reliability.Tests.Fuzz;

/// <summary>Every core API the differential fuzzer calls.</summary>
public enum OpKind
{
    /// <summary><c>UserConstPtr&lt;T&gt;.Get</c>.</summary>
    Get,

    /// <summary><c>UserPtr&lt;T&gt;.Get</c>, then a write through the reference.</summary>
    GetMut,

    /// <summary><c>UserConstPtr&lt;T&gt;.GetAsSlice(Count)</c>.</summary>
    Slice,

    /// <summary><c>UserPtr&lt;T&gt;.GetAsSlice(Count)</c>, then a write through the span.</summary>
    SliceMut,

    /// <summary><c>UserConstPtr&lt;T&gt;.GetAsNullTerminated(maxBytes: Count)</c>.</summary>
    NullTerminated,

    /// <summary><c>UserPtr&lt;T&gt;.GetAsNullTerminated(maxBytes: Count)</c>, then a write through the span.</summary>
    NullTerminatedMut,

    /// <summary><c>UserConstPtr&lt;byte&gt;.GetAsStr(maxBytes: Count)</c>.</summary>
    GetAsStr,

    /// <summary><c>UserCopy.CopyIn</c> into a span of Count elements.</summary>
    CopyIn,

    /// <summary><c>UserCopy.CopyIn</c> into one value.</summary>
    CopyInValue,

    /// <summary><c>UserCopy.CopyInArray(Count)</c>.</summary>
    CopyInArray,

    /// <summary><c>UserCopy.CopyOut</c> of Count elements.</summary>
    CopyOut,

    /// <summary><c>UserCopy.CopyOut</c> of one value.</summary>
    CopyOutValue,

    /// <summary><c>UserCopy.ReadValue</c>.</summary>
    ReadValue,

    /// <summary><c>UserCopy.WriteValue</c>.</summary>
    WriteValue,

    /// <summary><c>UserCopy.ZeroOut(Count)</c>.</summary>
    ZeroOut,

    /// <summary><c>UserCopy.StrncpyFromUser</c> into Count bytes.</summary>
    Strncpy,

    /// <summary><c>UserCopy.StrnlenUser(limit: Count)</c>.</summary>
    Strnlen,

    /// <summary><c>UserCopy.CopyPathFromUser(allowEmpty: Extra odd)</c>.</summary>
    CopyPath,

    /// <summary><c>UserCopy.CopyStringFromUser(maxBytes: Count)</c>.</summary>
    CopyString,

    /// <summary><c>UserCopy.CopyUtf8StringFromUser(maxBytes: Count)</c>.</summary>
    CopyUtf8String,

    /// <summary><c>UserCopy.ImportIoVectors(count: (long)Count)</c>.</summary>
    ImportIoVectors,

    /// <summary><c>UserCopy.CopyInVector</c> into Count bytes from offset Extra.</summary>
    CopyInVector,

    /// <summary><c>UserCopy.CopyOutVector</c> of Count bytes from offset Extra.</summary>
    CopyOutVector,

    /// <summary><c>UserCopy.CopyStringArrayFromUser</c> with small limits chosen by Extra.</summary>
    StringArray,

    /// <summary><c>UserCopy.CopyExecArgumentsFromUser(argv: Address, envp: Address2)</c>.</summary>
    ExecArguments,

    /// <summary><c>UserCopy.CopyStructFromUser</c> into a struct of sizeof(T), user size Count, bound Extra.</summary>
    StructFromUser,

    /// <summary><c>UserCopy.CopyStructToUser</c> of a struct of sizeof(T), user size Count, bound Extra.</summary>
    StructToUser,

    /// <summary><c>UserCopy.AtomicLoad32</c>.</summary>
    AtomicLoad32,

    /// <summary><c>UserCopy.CompareExchange32</c> (expected: the current word when Extra is odd).</summary>
    CompareExchange32,

    /// <summary><c>UserCopy.CopyInCaptureFaults</c> into Count bytes (never populates).</summary>
    CaptureIn,

    /// <summary><c>UserCopy.CopyOutCaptureFaults</c> of Count bytes (never populates).</summary>
    CaptureOut,

    /// <summary><c>UserAccessWindow.OpenRead&lt;T&gt;(Count)</c>, then <c>Read&lt;T&gt;</c> and <c>ReadOnlySlice&lt;T&gt;</c>.</summary>
    WindowRead,

    /// <summary><c>UserAccessWindow.OpenReadWrite&lt;T&gt;(Count)</c>, then <c>Write&lt;T&gt;</c> and a write through <c>Slice&lt;T&gt;</c>.</summary>
    WindowWrite,
}

/// <summary>Bytes written (through the setup back door, only where mapped) before an operation runs.</summary>
/// <param name="Address">Where.</param>
/// <param name="Bytes">What.</param>
public sealed record Placement(ulong Address, byte[] Bytes)
{
    /// <inheritdoc/>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"0x{Address:x}<-{Convert.ToHexString(Bytes.AsSpan(0, Math.Min(Bytes.Length, 48)))}{(Bytes.Length > 48 ? "..." : string.Empty)}");
}

/// <summary>One fuzz operation with its (often hostile) arguments.</summary>
/// <param name="Kind">The API.</param>
/// <param name="Element">Index into <see cref="ElementCatalog.All"/> (for typed APIs).</param>
/// <param name="Address">The user pointer.</param>
/// <param name="Count">Count, length, limit or bound, by API.</param>
/// <param name="Extra">A second number, by API.</param>
/// <param name="Address2">A second pointer, by API.</param>
/// <param name="Seed">Seed of the bytes the operation writes.</param>
/// <param name="Places">Setup writes before the operation.</param>
/// <param name="Vectors">The iovecs of vector copies.</param>
public sealed record Op(OpKind Kind, int Element, ulong Address, ulong Count, ulong Extra, ulong Address2, int Seed, Placement[] Places, IoVec[] Vectors)
{
    /// <summary>The element type.</summary>
    public ElementType Type => ElementCatalog.All[Element];

    /// <summary>Window operations: the offset of the single read or write.</summary>
    public ulong WindowOffset => Extra % 20_000;

    /// <summary>Window operations: the offset of the slice.</summary>
    public ulong SliceOffset => Address2 % 20_000;

    /// <summary>Window operations: the element count of the slice.</summary>
    public ulong SliceCount => (ulong)(Seed & 0x1FF);

    /// <summary>The deterministic bytes this operation writes.</summary>
    public byte[] Payload(int length)
    {
        byte[] bytes = new byte[length];
        new Random(Seed).NextBytes(bytes);
        return bytes;
    }

    /// <inheritdoc/>
    public override string ToString() => string.Create(
        CultureInfo.InvariantCulture,
        $"{Kind}<{Type}>(0x{Address:x}, count 0x{Count:x}, extra 0x{Extra:x}, addr2 0x{Address2:x}, seed {Seed}, places [{string.Join(", ", Places.Select(p => p.ToString()))}], iov [{string.Join(", ", Vectors.Select(v => v.ToString()))}])");
}
