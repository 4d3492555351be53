using System.Runtime;
using Microsoft.ML.GenerativeRec.Training;

namespace Microsoft.ML.GenerativeRec.Tests.Training;

[TestClass]
public sealed class FinalizerPauseTests
{
    [TestMethod]
    public void Begin_InsideTheHostsOwnNoGCRegion_LeavesTheRegionToTheHost()
    {
        // A no-GC region is process-wide: the pause must neither start one nor end (by collecting) the host's.
        Assert.IsTrue(GC.TryStartNoGCRegion(1024 * 1024));

        using (FinalizerPause.Begin(finalizeOnEnd: true))
        {
            Assert.AreEqual(GCLatencyMode.NoGCRegion, GCSettings.LatencyMode);
        }

        Assert.AreEqual(GCLatencyMode.NoGCRegion, GCSettings.LatencyMode);
        GC.EndNoGCRegion();                 // throws if the pause had ended the region
    }
}
