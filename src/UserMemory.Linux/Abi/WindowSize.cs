using System.Runtime.InteropServices;

namespace UserMemory.Linux.Abi;

/// <summary><c>struct winsize</c> (<c>TIOCGWINSZ</c>). 8 bytes.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct WindowSize
{
    /// <summary><c>ws_row</c>.</summary>
    public ushort Rows { get; set; }

    /// <summary><c>ws_col</c>.</summary>
    public ushort Columns { get; set; }

    /// <summary><c>ws_xpixel</c>.</summary>
    public ushort XPixels { get; set; }

    /// <summary><c>ws_ypixel</c>.</summary>
    public ushort YPixels { get; set; }
}
