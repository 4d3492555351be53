using System.Runtime.InteropServices;

namespace Microsoft.ML.GenerativeRec.Training;

/// <summary>Returns the native heap's free pages to the operating system (glibc's <c>malloc_trim</c>) on Linux.</summary>
/// <remarks>
/// libtorch's CPU allocator is plain <c>malloc</c>. Training allocates and frees tensors of a different size at every
/// step (batches differ in length), and glibc keeps the freed chunks below its mmap threshold (up to 32 MB) in its
/// arenas, so the working set of a CPU training run grew by about 250 MB per ML-1M epoch while live tensors stayed flat
/// (docs/benchmarks.md). <c>malloc_trim(0)</c> hands whole free pages back. The call itself is cheap, but the pages
/// handed back are faulted in again by the next steps, which cost 10–15 % of an ML-1M epoch on our VM when done after
/// every epoch; <see cref="ReleaseWhenGrown"/> therefore trims only once the working set has grown by half since the
/// last trim. Elsewhere (Windows, macOS, musl) nothing happens.
/// </remarks>
internal static class NativeHeap
{
    private const double GrowthBeforeRelease = 1.5;
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

    /// <summary>Releases free pages when the working set is more than 1.5 × what it was after the last release.</summary>
    /// <param name="workingSetAfterLastRelease">The working set after the last release, 0 before the first; updated.</param>
    public static void ReleaseWhenGrown(ref long workingSetAfterLastRelease)
    {
        if (_unavailable || (workingSetAfterLastRelease > 0 && Environment.WorkingSet < workingSetAfterLastRelease * GrowthBeforeRelease))
            return;
        ReleaseFreePages();
        workingSetAfterLastRelease = Environment.WorkingSet;
    }

    // A blittable signature: DllImport needs no marshalling stub and no unsafe code here.
    [DllImport("libc", EntryPoint = "malloc_trim", ExactSpelling = true)]
    private static extern int MallocTrim(nuint pad);
}
