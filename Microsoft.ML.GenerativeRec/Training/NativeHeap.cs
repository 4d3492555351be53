using System.Runtime.InteropServices;

namespace Microsoft.ML.GenerativeRec.Training;

/// <summary>Returns the native heap's free pages to the operating system (glibc's <c>malloc_trim</c>) on Linux.</summary>
/// <remarks>
/// libtorch's CPU allocator is plain <c>malloc</c>. Training allocates and frees tensors of a different size at every
/// step (batches differ in length), and glibc keeps the freed chunks below its mmap threshold (up to 32 MB) in its
/// arenas, so the working set of a CPU training run grew by about 250 MB per ML-1M epoch while live tensors stayed flat
/// (docs/benchmarks.md). <c>malloc_trim(0)</c> hands whole free pages back. The call itself is cheap, but the next
/// steps fault the pages in again, which cost 10–20 % of the following ML-1M epoch on our VM: trimming after every
/// epoch would pay that every epoch. <see cref="ReleaseWhenGrown"/> therefore trims only when the working set has
/// doubled since the first epoch or the last trim. That lowers short runs' peak; long runs still grow, by more than
/// the trims give back (docs/benchmarks.md: open). Elsewhere (Windows, macOS, musl) nothing happens.
/// </remarks>
internal static class NativeHeap
{
    private const double GrowthBeforeRelease = 2.0;

    private static bool _unavailable = !OperatingSystem.IsLinux();

    /// <summary>Releases free native heap pages; a no-op where glibc's <c>malloc_trim</c> is not available.</summary>
    public static void ReleaseFreePages()
    {
        if (_unavailable)
            return;
        try
        {
            MallocTrim(0);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            _unavailable = true;                // musl and other C libraries without malloc_trim
        }
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

    // A blittable signature: DllImport needs no marshalling stub and no unsafe code here.
    [DllImport("libc", EntryPoint = "malloc_trim", ExactSpelling = true)]
    private static extern int MallocTrim(nuint pad);
}
