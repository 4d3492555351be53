using System.Diagnostics;
using Microsoft.ML.GenerativeRec.Training;
using static TorchSharp.torch;

namespace Microsoft.ML.GenerativeRec.Tests.Training;

[TestClass]
public sealed class NativeHeapTests
{
    [TestMethod]
    public void ReleaseFreePages_AfterTensorsAreFreed_ShrinksTheWorkingSetOnLinux()
    {
        if (!OperatingSystem.IsLinux())
        {
            NativeHeap.ReleaseFreePages();     // a no-op elsewhere; it must not throw
            return;
        }

        // Inside this scope free() hands nothing back by itself (trim threshold 2 GB) and 4 MB tensors come from the heap
        // (mmap threshold 32 MB), whatever earlier tests did to glibc's adaptive thresholds: only the call releases.
        NativeHeap.ReleaseFreePages();
        using var keep = NativeHeap.KeepFreedPagesWhileTraining();
        var tensors = Enumerable.Range(0, 48).Select(_ => ones(1024 * 1024)).ToList();    // 48 × 4 MB, touched
        foreach (var tensor in tensors)
            tensor.Dispose();
        long before = WorkingSet();

        NativeHeap.ReleaseFreePages();

        long released = before - WorkingSet();
        Assert.IsGreaterThan(64L << 20, released, $"released {released >> 20} MB of the 192 MB freed");
    }

    [TestMethod]
    public void KeepFreedPagesWhileTraining_KeepsFreedTensorsResidentUntilTheScopeEnds()
    {
        if (!OperatingSystem.IsLinux())
        {
            NativeHeap.KeepFreedPagesWhileTraining().Dispose();     // a no-op elsewhere; it must not throw
            return;
        }

        NativeHeap.ReleaseFreePages();
        long freedWhileKept;
        long releasedAtTheEnd;
        using (var keep = NativeHeap.KeepFreedPagesWhileTraining())
        {
            // 48 × 4 MB, below the 32 MB mmap threshold the scope sets, so they come from the heap; freeing them leaves
            // 192 MB free at the heap top, which glibc's defaults hand back at once: the main heap above its trim threshold
            // (≤ 64 MB), and a thread arena (the test thread's, usually) every 64 MB heap that is wholly free.
            var tensors = Enumerable.Range(0, 48).Select(_ => ones(1024 * 1024)).ToList();
            long before = WorkingSet();
            foreach (var tensor in tensors)
                tensor.Dispose();
            freedWhileKept = before - WorkingSet();
            long beforeEnd = WorkingSet();
            keep.Dispose();
            releasedAtTheEnd = beforeEnd - WorkingSet();
        }

        Assert.IsLessThan(32L << 20, freedWhileKept, $"the working set fell by {freedWhileKept >> 20} MB while freed pages were to be kept");
        Assert.IsGreaterThan(64L << 20, releasedAtTheEnd, $"the end of the scope released {releasedAtTheEnd >> 20} MB of the 192 MB freed");
    }

    [TestMethod]
    public void ReleaseWhenGrown_RecordsFirstThenReleasesOnlyOnceTheWorkingSetHasDoubled()
    {
        long reference = 0;
        NativeHeap.ReleaseWhenGrown(ref reference);
        Assert.AreEqual(OperatingSystem.IsLinux(), reference > 0, "the first call records the working set");

        long current = Environment.WorkingSet;          // not doubled since: no release, reference kept
        long kept = current;
        NativeHeap.ReleaseWhenGrown(ref kept);
        Assert.AreEqual(current, kept);

        long tiny = 1;                                  // far more than doubled: release, and a new reference (on Linux)
        NativeHeap.ReleaseWhenGrown(ref tiny);
        Assert.AreEqual(OperatingSystem.IsLinux(), tiny > 1);
    }

    [TestMethod]
    public void Statistics_OnLinux_ReportGlibcsInUseAndFreeBytes()
    {
        if (!OperatingSystem.IsLinux())
        {
            Assert.IsNull(NativeHeap.Statistics());
            return;
        }

        using var tensor = ones(1024);                  // at least one live heap allocation of ours
        var statistics = NativeHeap.Statistics();

        Assert.IsNotNull(statistics, "glibc 2.33 or later has mallinfo2");
        Assert.IsGreaterThan(4096L, statistics.Value.InUseBytes);
        Assert.IsGreaterThanOrEqualTo(0L, statistics.Value.FreeBytes);
    }

    private static long WorkingSet()
    {
        using var process = Process.GetCurrentProcess();
        return process.WorkingSet64;
    }
}
