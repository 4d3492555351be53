using System.Runtime;
using System.Runtime.CompilerServices;
using Microsoft.ML.GenerativeRec.Training;

namespace Microsoft.ML.GenerativeRec.Tests.Training;

[TestClass]
public sealed class FinalizerPauseTests
{
    [TestMethod]
    public void Begin_StartsANoGCRegionThatDisposeEnds()
    {
        using (FinalizerPause.Begin())
        {
            Assert.AreEqual(GCLatencyMode.NoGCRegion, GCSettings.LatencyMode);
        }

        Assert.AreNotEqual(GCLatencyMode.NoGCRegion, GCSettings.LatencyMode);
    }

    [TestMethod]
    public void Dispose_FinalizeOnEnd_RunsTheFinalizersOfWhatTheBlockLeft()
    {
        // What TorchSharp's temporary Scalars need: their native memory is freed by a finalizer, which must run
        // right after the step rather than at some later collection.
        var finalized = new StrongBox<int>();
        using (FinalizerPause.Begin(finalizeOnEnd: true))
        {
            LeaveFinalizableGarbage(finalized, count: 100);
        }

        Assert.AreEqual(100, Volatile.Read(ref finalized.Value));
    }

    [TestMethod]
    public void CollectEverything_LargeObjectGarbage_IsCollected()
    {
        // Large objects die only in a full collection, which the no-GC steps of a training never trigger.
        var reference = LeaveLargeGarbage();

        FinalizerPause.CollectEverything();

        Assert.IsFalse(reference.IsAlive);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void LeaveFinalizableGarbage(StrongBox<int> finalized, int count)
    {
        for (int i = 0; i < count; i++)
        {
            _ = new CountsItsFinalization(finalized);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference LeaveLargeGarbage() => new(new byte[1024 * 1024]);

    private sealed class CountsItsFinalization(StrongBox<int> finalized)
    {
        ~CountsItsFinalization() => Interlocked.Increment(ref finalized.Value);
    }
}
