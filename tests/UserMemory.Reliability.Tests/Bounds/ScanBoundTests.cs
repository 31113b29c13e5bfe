using System;
using CsCheck;
using UserMemory.Reliability.Tests.Support;

namespace UserMemory.Reliability.Tests.Bounds;

/// <summary>
/// Part 4: no scan walks past its bound. Over 256 KiB of non-zero bytes (no terminator anywhere, an unmapped page
/// after it), every bounded scan is run from a random start with a random bound, through a wrapper that counts every
/// byte the core asks the address space to check; the count never exceeds the bound (plus one batch of
/// pointer reads for string arrays), and the page count stays within two per page of bound (elements straddling a page count twice).
/// </summary>
public sealed class ScanBoundTests
{
    private const ulong Area = 64 * Pages.Size4K;

    [Fact]
    public void EveryBoundedScanExaminesAtMostItsBound()
    {
        using var s = new BoundsSpace(Area);
        s.Raw(BoundsSpace.Base, (int)Area).Fill(0x61);
        Gen.Select(Gen.Int[0, 9], Gen.ULong[0, Area - 1], Gen.Int[1, 300_000]).Sample((api, offset, bound) =>
        {
            ulong start = BoundsSpace.Base + offset;
            s.Counted.ResetCounters();
            LinuxError e;
            long allowed = bound;
            using (UserAccess access = UserAccess.Begin(s.Counted))
            {
                var bytes = (UserConstPtr<byte>)start;
                switch (api)
                {
                    case 0:
                        e = bytes.GetAsNullTerminated(in access, (ulong)bound).Error;
                        break;
                    case 1:
                        e = ((UserConstPtr<ulong>)(start & ~7UL)).GetAsNullTerminated(in access, (ulong)bound).Error;
                        break;
                    case 2:
                        e = ((UserPtr<E12A4>)(start & ~3UL)).GetAsNullTerminated(in access, (ulong)bound).Error;
                        allowed += e == LinuxError.EFAULT ? (long)Pages.Size4K : 0; // the straddling re-check of one page
                        break;
                    case 3:
                        e = bytes.GetAsStr(in access, (ulong)bound).Error;
                        break;
                    case 4:
                        e = UserCopy.StrnlenUser(in access, bytes, (ulong)bound).Error;
                        break;
                    case 5:
                        e = UserCopy.StrncpyFromUser(in access, bytes, new byte[bound]).Error;
                        break;
                    case 6:
                        e = UserCopy.CopyStringFromUser(in access, bytes, bound).Error;
                        break;
                    case 7:
                        e = UserCopy.CopyPathFromUser(in access, bytes).Error;
                        allowed = UserCopy.PathMax;
                        break;
                    case 8:
                    {
                        // A one-element argv whose string never ends: at most MaxStringBytes of string, plus the
                        // pointer array, which is read in batches of up to 64 pointers (one batch here).
                        // The string starts past the array's 16 bytes: its terminating null pointer would otherwise
                        // end the string early.
                        ulong array = BoundsSpace.Base;
                        start = Math.Max(start, array + 16);
                        BitConverter.TryWriteBytes(s.Raw(array, 8), start);
                        BitConverter.TryWriteBytes(s.Raw(array + 8, 8), 0UL);
                        e = UserCopy.CopyStringArrayFromUser(in access, (UserConstPtr<ulong>)array, new ExecArgumentLimits { MaxStringBytes = bound }).Error;
                        s.Raw(array, 16).Fill(0x61);
                        allowed += 64 * 8;
                        break;
                    }

                    default:
                        e = UserCopy.CopyStructFromUser(in access, new byte[64], bytes, (ulong)bound, ulong.MaxValue);
                        break;
                }
            }

            Assert.True(s.Counted.BytesExamined <= allowed, $"api {api} from 0x{start:x} bound {bound}: {e}, examined {s.Counted.BytesExamined} bytes");
            Assert.True(s.Counted.PagesExamined <= (2 * (allowed / (long)Pages.Size4K)) + 4, $"api {api}: {s.Counted.PagesExamined} pages for {allowed} bytes");
            // Nothing is terminated, so no string may be found (strnlen and strncpy answer "unterminated" instead, and
            // struct copies of a small user size succeed).
            if (api is not (4 or 5 or 9))
            {
                Assert.NotEqual(LinuxError.None, e);
            }
        }, iter: 3000, threads: 1);
    }
}
