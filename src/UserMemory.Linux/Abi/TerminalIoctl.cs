namespace UserMemory.Linux.Abi;

/// <summary>The terminal <c>ioctl</c> requests this layer passes to the host (x86-64 values).</summary>
public enum TerminalIoctl : ulong
{
    /// <summary><c>TCGETS</c>: read the <c>struct termios</c>.</summary>
    GetAttributes = 0x5401,

    /// <summary><c>TCSETS</c>.</summary>
    SetAttributes = 0x5402,

    /// <summary><c>TCSETSW</c>: after output drains.</summary>
    SetAttributesDrain = 0x5403,

    /// <summary><c>TCSETSF</c>: after output drains, discarding input.</summary>
    SetAttributesFlush = 0x5404,

    /// <summary><c>TIOCGPGRP</c>: the foreground process group.</summary>
    GetProcessGroup = 0x540F,

    /// <summary><c>TIOCSPGRP</c>.</summary>
    SetProcessGroup = 0x5410,

    /// <summary><c>TIOCGWINSZ</c>: read the <c>struct winsize</c>.</summary>
    GetWindowSize = 0x5413,

    /// <summary><c>TIOCSWINSZ</c>.</summary>
    SetWindowSize = 0x5414,

    /// <summary><c>FIONREAD</c>: bytes ready to read.</summary>
    BytesReadable = 0x541B,
}
