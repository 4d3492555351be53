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
/// </remarks>
internal readonly struct FinalizerPause : IDisposable
{
    // Small enough for the ephemeral segment of any GC configuration; a step allocates far less managed memory.
    private const long BudgetBytes = 16L * 1024 * 1024;

    private readonly bool _started;

    private FinalizerPause(bool started)
    {
        _started = started;
    }

    public static FinalizerPause Begin()
    {
        if (GCSettings.LatencyMode == GCLatencyMode.NoGCRegion)
        {
            return new FinalizerPause(false);           // nested: the outer pause covers us
        }

        try
        {
            return new FinalizerPause(GC.TryStartNoGCRegion(BudgetBytes, disallowFullBlockingGC: true));
        }
        catch (InvalidOperationException)
        {
            return new FinalizerPause(false);           // another thread started a region first
        }
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
    }
}
