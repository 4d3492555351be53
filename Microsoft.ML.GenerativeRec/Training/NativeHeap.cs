using System.Runtime.InteropServices;

namespace Microsoft.ML.GenerativeRec.Training;

/// <summary>Returns the native heap's free pages to the operating system (glibc's <c>malloc_trim</c>) on Linux.</summary>
/// <remarks>
/// libtorch's CPU allocator is plain <c>malloc</c>. Training allocates and frees tensors of a different size at every
/// step (batches differ in length), and glibc keeps the freed chunks below its mmap threshold (up to 32 MB) in its
/// arenas, so the working set of a CPU training run grew by about 250 MB per ML-1M epoch while live tensors stayed flat
/// (docs/benchmarks.md). <c>malloc_trim(0)</c> hands whole free pages back; it is called between epochs, where it costs
/// milliseconds. Elsewhere (Windows, macOS, musl) it does nothing.
/// </remarks>
internal static class NativeHeap
{
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

    // A blittable signature: DllImport needs no marshalling stub and no unsafe code here.
    [DllImport("libc", EntryPoint = "malloc_trim", ExactSpelling = true)]
    private static extern int MallocTrim(nuint pad);
}
