using System.Runtime.InteropServices;

namespace Microsoft.ML.GenerativeRec.Training;

/// <summary>Controls how glibc's native heap, where libtorch's CPU tensors live, keeps and returns freed memory on Linux.</summary>
/// <remarks>
/// libtorch's CPU allocator is plain <c>malloc</c>. A training step allocates and frees a few hundred MB of tensors, of
/// other sizes at every step (batches differ in length). Left to its defaults, glibc hands the top of the heap back to
/// the system whenever a step frees it, and the next step faults the same pages in again: with nothing else in the
/// heap, that made SASRec on ML-1M 2–3× slower (43,000 page faults a second; docs/benchmarks.md, memory history).
/// <see cref="KeepFreedPagesWhileTraining"/> therefore makes glibc keep freed pages for the length of a training, and
/// the trainer returns them itself at points of its choosing: when training starts, when the working set has doubled
/// since the first epoch or the last release (<see cref="ReleaseWhenGrown"/>: a release after every epoch cost 10–20 %
/// of the next one in page faults), and when training ends. Elsewhere (Windows, macOS, musl) nothing happens.
/// </remarks>
internal static class NativeHeap
{
    private const double GrowthBeforeRelease = 2.0;

    private static bool _unavailable = !OperatingSystem.IsLinux();

    /// <summary>Releases free native heap pages; a no-op where glibc's <c>malloc_trim</c> is not available.</summary>
    public static void ReleaseFreePages()
    {
        if (!_unavailable)
            TryGlibc(() => MallocTrim(0));
    }

    // Runs `call`, or marks glibc unavailable (musl and other C libraries lack malloc_trim and mallopt) and returns false.
    private static bool TryGlibc(Action call)
    {
        try
        {
            call();
            return true;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            _unavailable = true;
            return false;
        }
    }

    // glibc's mallopt parameters (malloc.h) and the largest mmap threshold it accepts on 64-bit (HEAP_MAX_SIZE / 2).
    private const int TrimThresholdParameter = -1, TopPadParameter = -2, MmapThresholdParameter = -3;
    private const int LargestMmapThreshold = 32 * 1024 * 1024;
    private const int ThreadArenaHeapSize = 64 * 1024 * 1024, DefaultTopPad = 128 * 1024;

    /// <summary>
    /// Makes glibc keep freed memory until the returned scope ends, then returns the free pages and leaves the heap in
    /// the state glibc's own adaptive thresholds reach in a process that frees large blocks.
    /// </summary>
    /// <returns>A scope that the training loop disposes when it returns or throws; only training opens one.</returns>
    /// <remarks>
    /// Sets the mmap threshold to glibc's largest (32 MB: smaller tensors come from the heap and are reused, larger ones
    /// are mapped and unmapped as before) and the trim threshold to 2 GB, so that <c>free</c> no longer shrinks the
    /// heap. A thread other than the main one allocates from an arena of 64 MB heaps, which glibc unmaps as soon as one
    /// is wholly free whatever the trim threshold, unless the top pad is at least a heap's size: so the top pad is 64 MB
    /// too (in the main heap it only makes each extension of the heap larger). These are process-wide settings, like
    /// libtorch's thread count, so they last exactly as long as the scope: the training loop opens it with <c>using</c>,
    /// and nothing on the serving path (<c>Transform</c>, prediction engines, evaluation) opens one.
    /// <para>
    /// glibc can neither report the current values nor switch its adaptive thresholds back on, so disposal cannot put
    /// back what was there before. It sets what a process that never called <c>mallopt</c> reaches by itself once it has
    /// freed a 32 MB block: mmap threshold 32 MB (left as set), trim threshold 64 MB (twice that), top pad 128 KB (the
    /// documented default); then it returns the free pages. Freed memory at the top of the heap is trimmed again after
    /// that, but the thresholds no longer adapt, and values a host set with its own <c>mallopt</c> calls or
    /// <c>MALLOC_*_</c>/<c>GLIBC_TUNABLES</c> variables are replaced by these (docs/troubleshooting.md).
    /// </para>
    /// </remarks>
    public static Scope KeepFreedPagesWhileTraining()
    {
        bool applied = !_unavailable && TryGlibc(() =>
        {
            MallOpt(MmapThresholdParameter, LargestMmapThreshold);
            MallOpt(TrimThresholdParameter, int.MaxValue);
            MallOpt(TopPadParameter, ThreadArenaHeapSize);
        });
        return new Scope(applied);
    }

    /// <summary>Releases free pages when the working set is more than twice the reference, then makes the new size the reference.</summary>
    /// <param name="reference">The working set after the first epoch or the last release; 0 at first, when the call only records it.</param>
    public static void ReleaseWhenGrown(ref long reference)
    {
        if (_unavailable)
            return;
        if (reference == 0)
        {
            reference = Environment.WorkingSet;
            return;
        }

        if (Environment.WorkingSet < reference * GrowthBeforeRelease)
            return;
        ReleaseFreePages();
        reference = Environment.WorkingSet;
    }

    /// <summary>glibc's own account of the native heap (<c>mallinfo2</c>, all arenas), or null where it is not available.</summary>
    /// <returns>Bytes in use by live allocations, and bytes free but kept in the arenas.</returns>
    /// <remarks>
    /// Tells the two causes of a growing working set apart: in-use bytes that keep rising are a native leak; free bytes
    /// that keep rising are fragmentation.
    /// </remarks>
    public static (long InUseBytes, long FreeBytes)? Statistics()
    {
        if (_unavailable)
            return null;
        try
        {
            var info = MallInfo2();
            return ((long)info.InUse, (long)info.Free);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return null;                            // glibc before 2.33, or another C library
        }
    }

    /// <summary>The settings of <see cref="KeepFreedPagesWhileTraining"/>, undone by <see cref="Dispose"/>.</summary>
    internal sealed class Scope(bool applied) : IDisposable
    {
        private long _reference;                // for ReleaseWhenGrown
        private bool _disposed;

        /// <summary><see cref="NativeHeap.ReleaseWhenGrown"/> with a reference kept by the scope: for the end of each epoch.</summary>
        public void ReleaseWhenGrown() => NativeHeap.ReleaseWhenGrown(ref _reference);

        /// <summary>Sets the thresholds a process reaches without <c>mallopt</c> and returns the free pages (see the remarks above).</summary>
        public void Dispose()
        {
            if (_disposed || !applied)
                return;
            _disposed = true;
            MallOpt(TrimThresholdParameter, 2 * LargestMmapThreshold);
            MallOpt(TopPadParameter, DefaultTopPad);
            ReleaseFreePages();
        }
    }

    // struct mallinfo2 (glibc ≥ 2.33): ten size_t fields; only uordblks and fordblks are read.
    [StructLayout(LayoutKind.Sequential)]
    private struct MallocInfo
    {
        public nuint Arena, OrdinaryBlocks, SmallBlocks, MappedBlocks, MappedBytes, MaxTotal, FastFreeBytes;
        public nuint InUse;                         // uordblks
        public nuint Free;                          // fordblks
        public nuint KeepCost;
    }

    [DllImport("libc", EntryPoint = "mallinfo2", ExactSpelling = true)]
    private static extern MallocInfo MallInfo2();

    [DllImport("libc", EntryPoint = "mallopt", ExactSpelling = true)]
    private static extern int MallOpt(int parameter, int value);

    // A blittable signature: DllImport needs no marshalling stub and no unsafe code here.
    [DllImport("libc", EntryPoint = "malloc_trim", ExactSpelling = true)]
    private static extern int MallocTrim(nuint pad);
}
