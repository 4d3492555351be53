using Microsoft.ML.GenerativeRec.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.GenerativeRec.Tests.Training;

[TestClass]
public sealed class RandomStreamsTests
{
    private const long Items = 21;                                   // ids 1..20, as SyntheticSequences

    [TestMethod]
    [DataRow(0)]
    [DataRow(1)]
    [DataRow(3)]
    [DataRow(-1)]
    [DataRow(int.MaxValue)]
    public void FromSeed_AnySeed_GivesThreeDistinctStreamsOtherThanTheSeed(int seed)
    {
        var streams = RandomStreams.FromSeed(seed);

        ulong[] seeds = [streams.Initialisation, streams.Dropout, streams.Negatives];
        Assert.HasCount(3, seeds.Distinct());
        CollectionAssert.DoesNotContain(seeds, unchecked((ulong)seed));
    }

    [TestMethod]
    public void FromSeed_SameSeed_GivesTheSameStreams()
    {
        Assert.AreEqual(RandomStreams.FromSeed(42), RandomStreams.FromSeed(42));
        Assert.AreNotEqual(RandomStreams.FromSeed(42), RandomStreams.FromSeed(43));
    }

    // The mix is fixed (SplitMix64), so a seed names the same run in every process; pinned here against the published
    // algorithm: the first output of SplitMix64 from state 0 is 0xE220A8397B1DCDAF.
    [TestMethod]
    public void FromSeed_Zero_InitialisationIsTheFirstSplitMix64Output()
    {
        Assert.AreEqual(0xE220A8397B1DCDAFUL, RandomStreams.FromSeed(0).Initialisation);
    }

    [TestMethod]
    public void SampleNegatives_FirstDraws_AreNotTheInitialisationDraws()
    {
        const int seed = 3;
        var streams = RandomStreams.FromSeed(seed);
        using var runtime = new TorchRuntimeScope(numberOfThreads: null, streams);

        // What Fit does: the global generator holds the initialisation stream, the sampler its own generator.
        using var initialisation = randint(1, Items, [64], dtype: ScalarType.Int64);
        using var negativeGenerator = new Generator(streams.Negatives);
        using var negatives = SampledSoftmaxLoss.SampleNegatives([64], Items, negativeGenerator, CPU);

        CollectionAssert.AreNotEqual(Values(initialisation), Values(negatives), "the negatives replay the initialisation draws");
        // The control: one seed for both, as before the streams, makes the sampler replay them exactly.
        manual_seed(seed);
        using var replayed = randint(1, Items, [64], dtype: ScalarType.Int64);
        using var sameSeed = new Generator(seed);
        using var replaying = SampledSoftmaxLoss.SampleNegatives([64], Items, sameSeed, CPU);
        CollectionAssert.AreEqual(Values(replayed), Values(replaying));
    }

    [TestMethod]
    public void StartDropoutStream_AfterInitialisation_DrawsOtherValuesThanTheInitialisation()
    {
        var streams = RandomStreams.FromSeed(3);
        using var runtime = new TorchRuntimeScope(numberOfThreads: null, streams);
        using var initialisation = rand(64);

        runtime.StartDropoutStream();
        using var dropout = rand(64);

        CollectionAssert.AreNotEqual(Values(initialisation), Values(dropout));
        manual_seed(unchecked((long)streams.Dropout));
        using var again = rand(64);
        CollectionAssert.AreEqual(Values(dropout), Values(again), "the dropout stream is seeded from the dropout seed alone");
    }

    private static double[] Values(Tensor t)
    {
        using var wide = t.to_type(ScalarType.Float64);
        return wide.data<double>().ToArray();
    }
}
