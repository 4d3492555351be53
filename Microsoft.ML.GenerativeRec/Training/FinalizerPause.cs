using System.Runtime;

namespace Microsoft.ML.GenerativeRec.Training;

/// <summary>
/// Keeps the garbage collector (and so the finalizer thread) from running during a block of TorchSharp calls.
/// </summary>
/// <remarks>
/// TorchSharp converts numbers to native <c>Scalar</c> objects on the fly (every <c>a + b</c> passes an alpha of 1) and
/// only its finalizer frees them. Once the handle has been passed to native code, the managed object is unreachable,
/// so a collection triggered by another thread can finalize it while libtorch is still reading it: we saw rare
/// "Expected false to be true ... toFloat" failures deep inside training. With no collection during a step there is no
/// such finalization; objects that died in earlier steps are finalized between steps, when nothing reads them.
/// If the step allocates more than the budget, the runtime ends the region early and the block continues unprotected.
/// <para>
/// The same Scalars are why a training step should end with a collection (<c>finalizeOnEnd</c>): a step allocates
/// little managed memory, so the runtime may not collect for minutes, while every step leaves more unreachable
/// Scalars, each holding a small native allocation (105,589 of them were alive after 24 SASRec epochs). Scattered
/// between the large tensor buffers, they kept glibc from reusing the gaps for the next batch's tensors, and the heap
/// grew every epoch (docs/benchmarks.md, memory history). The collection did not slow training measurably.
/// </para>
/// </remarks>
internal readonly struct FinalizerPause : IDisposable
{
    // Small enough for the ephemeral segment of any GC configuration; a step allocates far less managed memory.
    private const long BudgetBytes = 16L * 1024 * 1024;

    private readonly bool _started;
    private readonly bool _finalizeOnEnd;

    private FinalizerPause(bool started, bool finalizeOnEnd)
    {
        _started = started;
        _finalizeOnEnd = finalizeOnEnd;
    }

    /// <summary>Starts a pause; disposing it ends the pause.</summary>
    /// <param name="finalizeOnEnd">
    /// When the pause ends, collect generation 0 and run the finalizers it queued, so the native memory of the block's
    /// temporary Scalars is freed now rather than at some later collection. For training and evaluation batches; a
    /// single prediction leaves too little behind to be worth a collection.
    /// </param>
    public static FinalizerPause Begin(bool finalizeOnEnd = false)
    {
        if (GCSettings.LatencyMode == GCLatencyMode.NoGCRegion)
        {
            return new FinalizerPause(false, false);    // nested: the outer pause covers us
        }

        try
        {
            return new FinalizerPause(GC.TryStartNoGCRegion(BudgetBytes, disallowFullBlockingGC: true), finalizeOnEnd);
        }
        catch (InvalidOperationException)
        {
            return new FinalizerPause(false, finalizeOnEnd); // another thread started a region first
        }
    }

    /// <summary>A full, blocking collection and the finalizers it queued: for the end of a training epoch.</summary>
    /// <remarks>
    /// The runtime starts a full collection once the large object heap has grown by its budget, but allocations made
    /// inside a no-GC region do not count, and a training step spends almost all its time in one. So large objects that
    /// a training allocates (the checkpoint buffers did, several MB an epoch, until they were streamed) were never
    /// collected: the large object heap held 430 MB of garbage after 12 SASRec epochs (docs/benchmarks.md, memory
    /// history). The collection takes milliseconds once an epoch.
    /// </remarks>
    public static void CollectEverything()
    {
        if (GCSettings.LatencyMode == GCLatencyMode.NoGCRegion)
        {
            return;
        }

        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true);
        GC.WaitForPendingFinalizers();
    }

    public void Dispose()
    {
        if (_started && GCSettings.LatencyMode == GCLatencyMode.NoGCRegion)
        {
            try
            {
                GC.EndNoGCRegion();
            }
            catch (InvalidOperationException)
            {
                // The region already ended (budget exceeded or a GC was induced); nothing to undo.
            }
        }

        if (_finalizeOnEnd && GCSettings.LatencyMode != GCLatencyMode.NoGCRegion)
        {
            GC.Collect(0, GCCollectionMode.Forced, blocking: true);
            GC.WaitForPendingFinalizers();
        }
    }
}
