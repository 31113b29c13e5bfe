using System.Collections.Generic;
using CsCheck;
using UserMemory.Linux.Fs;

namespace UserMemory.Linux.Tests;

public sealed class FdTableTests
{
    [Fact]
    public void Standard_streams_map_to_host_0_1_2()
    {
        FdTable t = FdTable.WithStandardStreams();
        Assert.Equal(0, t.HostOf(0));
        Assert.Equal(1, t.HostOf(1));
        Assert.Equal(2, t.HostOf(2));
        Assert.Equal(-1, t.HostOf(3));
        Assert.Equal(-1, t.HostOf(-1));
        Assert.Equal(-1, t.HostOf(FdTable.Limit));
        Assert.Equal(-1, t.HostOf(long.MaxValue));
    }

    [Fact]
    public void Add_takes_the_lowest_free_number_at_or_above_the_bound()
    {
        FdTable t = FdTable.WithStandardStreams();
        Assert.Equal(3, t.Add(100, false));
        Assert.Equal(10, t.Add(101, true, 10));
        Assert.Equal(4, t.Add(102, false));
        Assert.Equal(100, t.Remove(3));
        Assert.Equal(3, t.Add(103, false));
        Assert.True(t.IsCloseOnExec(10));
        Assert.False(t.IsCloseOnExec(3));
    }

    [Fact]
    public void Add_fails_with_EMFILE_when_full_and_EINVAL_for_a_bad_bound()
    {
        var t = FdTable.Parse("-");
        for (int i = 0; i < FdTable.Limit; i++)
        {
            Assert.Equal(i, t.Add(1000 + i, false));
        }

        Assert.Equal(-24, t.Add(5000, false));
        Assert.Equal(-24, t.Add(5000, false, FdTable.Limit)); // at or past the soft limit: nothing is free
        Assert.Equal(-22, t.Add(5000, false, -1));
        Assert.Equal(-22, t.Add(5000, false, FdTable.MaxLimit));
    }

    [Fact]
    public void The_soft_limit_decides_how_far_the_table_grows()
    {
        var t = FdTable.Parse("-");
        t.SoftLimit = 3000;
        Assert.Equal(2500, t.Add(7, false, 2500));
        Assert.True(t.Size > 2500);
        Assert.Equal(7, t.HostOf(2500));
        Assert.Equal(-24, t.Add(8, false, 3000));
        t.SoftLimit = 10; // lowering closes nothing
        Assert.Equal(7, t.HostOf(2500));
        Assert.Equal(-24, t.Add(9, false, 10));
        Assert.Equal(0, t.Add(9, false));
        t.SoftLimit = int.MaxValue;
        Assert.Equal(FdTable.MaxLimit, t.SoftLimit);
        Assert.Equal("0:9,2500:7", t.Serialize());
        Assert.Equal("0:9,2500:7", FdTable.Parse(t.Serialize()).Serialize());
    }

    [Fact]
    public void Place_replaces_and_reports_the_previous_host_descriptor()
    {
        FdTable t = FdTable.WithStandardStreams();
        Assert.Equal(1, t.Place(1, 50, false));
        Assert.Equal(50, t.HostOf(1));
        Assert.Equal(-1, t.Place(10, 51, true));
        Assert.True(t.IsCloseOnExec(10));
        Assert.Throws<System.ArgumentOutOfRangeException>(() => t.Place(FdTable.MaxLimit, 1, false));
        Assert.Throws<System.ArgumentOutOfRangeException>(() => t.Place(-1, 1, false));
    }

    [Fact]
    public void Exec_drops_only_close_on_exec_descriptors()
    {
        FdTable t = FdTable.WithStandardStreams();
        t.Place(5, 55, true);
        t.Place(6, 66, false);
        Assert.Equal([55], t.RemoveCloseOnExec());
        Assert.Equal([0, 1, 2, 6], t.GuestDescriptors());
    }

    [Fact]
    public void Serialize_round_trips_and_rejects_malformed_text()
    {
        FdTable t = FdTable.WithStandardStreams();
        t.Place(9, 77, true);
        string text = t.Serialize();
        Assert.Equal("0:0,1:1,2:2,9:77:c", text);
        Assert.Equal(text, FdTable.Parse(text).Serialize());
        Assert.Equal("-", FdTable.Parse("-").Serialize());
        Assert.Throws<System.FormatException>(() => FdTable.Parse("1:2:x"));
        Assert.Throws<System.FormatException>(() => FdTable.Parse("1048576:1"));
        Assert.Throws<System.FormatException>(() => FdTable.Parse("1:-3"));
    }

    [Fact]
    public void Signalfd_entries_round_trip_with_their_mask()
    {
        FdTable t = FdTable.WithStandardStreams();
        t.Place(4, new SignalFdFile(40, new SignalFdMask(0x8000_0000_0000_0200)), true);
        string text = t.Serialize();
        Assert.Equal("0:0,1:1,2:2,4:!40.9223372036854776320:c", text);
        FdTable back = FdTable.Parse(text);
        SignalFdFile f = Assert.IsType<SignalFdFile>(back.Get(4));
        Assert.Equal(40, f.HostFd);
        Assert.Equal(0x8000_0000_0000_0200UL, f.Mask.Value);
        Assert.True(back.IsCloseOnExec(4));
        Assert.Throws<System.FormatException>(() => FdTable.Parse("4:!40"));
        Assert.Throws<System.FormatException>(() => FdTable.Parse("4:!x.1"));
        Assert.Throws<System.FormatException>(() => FdTable.Parse("4:!1.2.3"));
        Assert.Throws<System.FormatException>(() => FdTable.Parse("4:!-1.2"));
    }

    [Fact]
    public void Behaves_like_a_dictionary_model()
    {
        // Operations: 0 add(lowest), 1 remove, 2 place, 3 set close-on-exec.
        Gen.Select(Gen.Int[0, 3], Gen.Int[0, 40], Gen.Int[0, 1000], Gen.Bool).Array[1, 200].Sample(ops =>
        {
            FdTable t = FdTable.WithStandardStreams();
            var model = new SortedDictionary<int, (int Host, bool Cloexec)> { [0] = (0, false), [1] = (1, false), [2] = (2, false) };
            foreach ((int op, int fd, int host, bool flag) in ops)
            {
                switch (op)
                {
                    case 0:
                        int expected = fd;
                        while (model.ContainsKey(expected))
                        {
                            expected++;
                        }

                        Assert.Equal(expected, t.Add(host, flag, fd));
                        model[expected] = (host, flag);
                        break;
                    case 1:
                        Assert.Equal(model.TryGetValue(fd, out var e) ? e.Host : -1, t.Remove(fd));
                        model.Remove(fd);
                        break;
                    case 2:
                        Assert.Equal(model.TryGetValue(fd, out var p) ? p.Host : -1, t.Place(fd, host, flag));
                        model[fd] = (host, flag);
                        break;
                    default:
                        Assert.Equal(model.ContainsKey(fd), t.SetCloseOnExec(fd, flag));
                        if (model.TryGetValue(fd, out var c))
                        {
                            model[fd] = (c.Host, flag);
                        }

                        break;
                }
            }

            Assert.Equal(model.Keys, t.GuestDescriptors());
            foreach (var kv in model)
            {
                Assert.Equal(kv.Value.Host, t.HostOf(kv.Key));
                Assert.Equal(kv.Value.Cloexec, t.IsCloseOnExec(kv.Key));
            }

            Assert.Equal(t.Serialize(), FdTable.Parse(t.Serialize()).Serialize());
        }, iter: 300);
    }

    /// <summary>Threads share one table (CLONE_FILES): concurrent opens, closes and dups must neither throw nor lose or
    /// duplicate a number. Each thread adds and takes back its own descriptors; at the end only the standard streams
    /// remain and every number a thread got was its own while it held it.</summary>
    [Fact]
    public void Concurrent_add_and_take_from_many_threads_keep_the_table_consistent()
    {
        FdTable t = FdTable.WithStandardStreams();
        const int Threads = 8;
        const int Rounds = 20_000;
        var failures = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var workers = new System.Threading.Thread[Threads];
        for (int w = 0; w < Threads; w++)
        {
            int host = 1000 + w;
            workers[w] = new System.Threading.Thread(() =>
            {
                for (int i = 0; i < Rounds; i++)
                {
                    int fd = t.Add(host, closeOnExec: (i & 1) == 0);
                    if (fd < 3 || t.HostOf(fd) != host)
                    {
                        failures.Enqueue($"add gave {fd} holding {t.HostOf(fd)}");
                        return;
                    }

                    _ = t.Serialize();
                    if (t.Remove(fd) != host)
                    {
                        failures.Enqueue($"take of {fd} lost host {host}");
                        return;
                    }
                }
            });
            workers[w].Start();
        }

        foreach (System.Threading.Thread worker in workers)
        {
            worker.Join();
        }

        Assert.Empty(failures);
        Assert.Equal(3, t.Count);
        Assert.Equal([0, 1, 2], t.GuestDescriptors());
    }
}
