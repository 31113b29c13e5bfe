namespace UserMemory.Linux.Fs.Proc;

/// <summary>A page-aligned guest range mapped from the executable file (a <c>PT_LOAD</c> segment's file part).</summary>
/// <param name="Start">The first guest address.</param>
/// <param name="End">One past the last guest address.</param>
/// <param name="FileOffset">The file offset of <paramref name="Start"/>.</param>
public readonly record struct ImageFileRange(ulong Start, ulong End, ulong FileOffset);
