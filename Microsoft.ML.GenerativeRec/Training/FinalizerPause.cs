namespace Microsoft.ML.GenerativeRec.Training;

/// <summary>
/// Formerly kept the garbage collector (and so the finalizer thread) from running during a block of TorchSharp calls;
/// now does nothing, and is kept only until the serving path has dropped its calls (issue #16). Delete it then.
/// </summary>
/// <remarks>
/// <para>
/// TorchSharp converts numbers to native <c>Scalar</c> objects on the fly (every <c>a + b</c> passes an alpha of 1) and
/// only its finalizer frees them. Once the handle has been passed to native code the managed object is unreachable, so
/// a collection triggered by another thread can finalize it while libtorch is still reading it: we saw rare
/// "Expected false to be true ... toFloat" failures deep inside training. This type used to open a GC no-GC region
/// around each step and force a collection after it (the unfinalized Scalars, 105,589 after 24 SASRec epochs, also
/// fragmented the native heap: docs/benchmarks.md, memory history).
/// </para>
/// <para>
/// A no-GC region is process-wide: while ours was open, a host's own <c>GC.TryStartNoGCRegion</c> threw, and our forced
/// collections ended the host's region. The cause is removed instead: the modules own their constant Scalars and
/// dispose them with themselves, the loss, the training loop and the optimizer step (<see cref="ScalarSafeAdamW"/>)
/// create the others explicitly and dispose them after the call, so a training step leaves no Scalar to the finalizer
/// (<c>TrainingLoopTests</c> counts them) and nothing needs pausing. docs/reliability.md, "TorchSharp Scalars".
/// </para>
/// </remarks>
internal readonly struct FinalizerPause : IDisposable
{
    /// <summary>Returns a pause that does nothing (see the remarks).</summary>
    /// <param name="finalizeOnEnd">Ignored; it used to force a generation-0 collection when the pause ended.</param>
    public static FinalizerPause Begin(bool finalizeOnEnd = false)
    {
        _ = finalizeOnEnd;
        return default;
    }

    public void Dispose()
    {
    }
}
