using System;
using System.Collections.Generic;

namespace UserMemory.Linux.Fs;

/// <summary>Splitting and joining guest paths as bytes (no encoding: any byte but '/' and NUL is part of a name).</summary>
public static class PathText
{
    /// <summary>The components of a path (empty ones, from "//", dropped; "." and ".." kept).</summary>
    /// <param name="path">The path.</param>
    /// <returns>The components in order.</returns>
    public static List<byte[]> Split(ReadOnlySpan<byte> path)
    {
        var list = new List<byte[]>();
        while (!path.IsEmpty)
        {
            int slash = path.IndexOf((byte)'/');
            ReadOnlySpan<byte> c = slash < 0 ? path : path[..slash];
            if (!c.IsEmpty)
            {
                list.Add(c.ToArray());
            }

            path = slash < 0 ? default : path[(slash + 1)..];
        }

        return list;
    }

    /// <summary>The absolute path of <paramref name="components"/> ("/" for none).</summary>
    /// <param name="components">The components.</param>
    /// <returns>The path bytes.</returns>
    public static byte[] Join(IReadOnlyList<byte[]> components)
    {
        ArgumentNullException.ThrowIfNull(components);
        if (components.Count == 0)
        {
            return [(byte)'/'];
        }

        int length = 0;
        foreach (byte[] c in components)
        {
            length += c.Length + 1;
        }

        byte[] result = new byte[length];
        int at = 0;
        foreach (byte[] c in components)
        {
            result[at++] = (byte)'/';
            c.CopyTo(result, at);
            at += c.Length;
        }

        return result;
    }
}
