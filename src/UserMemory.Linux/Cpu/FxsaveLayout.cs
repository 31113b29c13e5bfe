namespace UserMemory.Linux.Cpu;

/// <summary>Offsets in the 512-byte <c>fxsave</c> area (Intel SDM vol. 1, table 10-2), the format of the vector state
/// in a Linux x86-64 signal frame and of <see cref="ICpu.SaveVectorState"/>.</summary>
internal static class FxsaveLayout
{
    /// <summary>FCW, the x87 control word (16 bits).</summary>
    public const int Control = 0;

    /// <summary>FSW, the x87 status word (16 bits).</summary>
    public const int Status = 2;

    /// <summary>The abridged x87 tag word (8 bits).</summary>
    public const int Tag = 4;

    /// <summary>FOP, the last x87 opcode (16 bits).</summary>
    public const int Opcode = 6;

    /// <summary>The last x87 instruction pointer (64 bits in 64-bit mode).</summary>
    public const int LastIp = 8;

    /// <summary>The last x87 data pointer (64 bits in 64-bit mode).</summary>
    public const int LastDp = 16;

    /// <summary>MXCSR (32 bits).</summary>
    public const int Mxcsr = 24;

    /// <summary>MXCSR_MASK, the MXCSR bits the processor supports (32 bits).</summary>
    public const int MxcsrMask = 28;

    /// <summary>ST0/MM0; each x87 register takes 16 bytes.</summary>
    public const int X87Registers = 32;

    /// <summary>XMM0; each XMM register takes 16 bytes.</summary>
    public const int XmmRegisters = 160;

    /// <summary>The x87 registers.</summary>
    public const int X87Count = 8;

    /// <summary>The XMM registers in 64-bit mode.</summary>
    public const int XmmCount = 16;

    /// <summary>The bytes of one x87 or XMM register slot.</summary>
    public const int RegisterSize = 16;

    /// <summary>The MXCSR bits every SSE2 processor supports (the default MXCSR_MASK).</summary>
    public const uint DefaultMxcsrMask = 0xffff;
}
