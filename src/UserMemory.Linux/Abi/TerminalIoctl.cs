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

    /// <summary><c>TCSBRK</c>: drain output (argument non-zero), or send a break; the argument is a value.</summary>
    SendBreak = 0x5409,

    /// <summary><c>TCSBRKP</c>: drain output, then send a break of the argument in tenths of a second (0: about a
    /// quarter second); the argument is a value. glibc's <c>tcsendbreak</c> with a duration.</summary>
    SendBreakTenths = 0x5425,

    /// <summary><c>TIOCSBRK</c>: start sending a break (no argument).</summary>
    StartBreak = 0x5427,

    /// <summary><c>TIOCCBRK</c>: stop sending a break (no argument).</summary>
    StopBreak = 0x5428,

    /// <summary><c>TCXONC</c>: suspend or restart output or input; the argument is a value.</summary>
    FlowControl = 0x540A,

    /// <summary><c>TCFLSH</c>: discard queued input or output; the argument is a value.</summary>
    Flush = 0x540B,

    /// <summary><c>TIOCSCTTY</c>: make the terminal the session's controlling terminal; the argument is a value.</summary>
    SetControllingTerminal = 0x540E,

    /// <summary><c>TIOCOUTQ</c>: bytes waiting in the output queue.</summary>
    OutputQueue = 0x5411,

    /// <summary><c>TIOCNOTTY</c>: give up the controlling terminal.</summary>
    ReleaseControllingTerminal = 0x5422,

    /// <summary><c>TIOCGSID</c>: the terminal's session id.</summary>
    GetSessionId = 0x5429,

    /// <summary><c>TIOCGPTN</c>: a pseudo-terminal master's number (the <c>N</c> of <c>/dev/pts/N</c>).</summary>
    GetPtyNumber = 0x80045430,

    /// <summary><c>TIOCSPTLCK</c>: lock or unlock the slave of a pseudo-terminal master (<c>unlockpt</c>).</summary>
    SetPtyLock = 0x40045431,

    /// <summary><c>TIOCGPTLCK</c>: whether the slave is locked.</summary>
    GetPtyLock = 0x80045439,

    /// <summary><c>TIOCPKT</c>: packet mode on a master.</summary>
    SetPacketMode = 0x5420,

    /// <summary><c>TIOCGPKT</c>: whether packet mode is on.</summary>
    GetPacketMode = 0x80045438,

    /// <summary><c>TIOCGPTPEER</c>: open the slave of a master; the argument is the open flags, the result a new
    /// descriptor.</summary>
    OpenPtyPeer = 0x5441,

    /// <summary><c>TIOCEXCL</c>: exclusive mode (no argument).</summary>
    SetExclusive = 0x540C,

    /// <summary><c>TIOCNXCL</c>: end exclusive mode (no argument).</summary>
    ClearExclusive = 0x540D,

    /// <summary><c>TIOCGEXCL</c>: whether exclusive mode is on.</summary>
    GetExclusive = 0x80045440,

    /// <summary><c>TIOCGETD</c>: the line discipline.</summary>
    GetLineDiscipline = 0x5424,
}
