using System.Runtime.InteropServices;

namespace UserMemory.Linux.Abi;

/// <summary><c>struct utsname</c> (<c>uname</c>): six NUL-terminated 65-byte fields. 390 bytes.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct UtsName
{
    /// <summary><c>sysname</c>.</summary>
    public UtsField SystemName { get; set; }

    /// <summary><c>nodename</c>.</summary>
    public UtsField NodeName { get; set; }

    /// <summary><c>release</c>.</summary>
    public UtsField Release { get; set; }

    /// <summary><c>version</c>.</summary>
    public UtsField Version { get; set; }

    /// <summary><c>machine</c>.</summary>
    public UtsField Machine { get; set; }

    /// <summary><c>domainname</c>.</summary>
    public UtsField DomainName { get; set; }
}
