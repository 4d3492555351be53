using Microsoft.ML.GenerativeRec.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.GenerativeRec.Tests.Training;

[TestClass]
public sealed class SampledSoftmaxLossTests
{
    private const double Tau = 0.05;            // hstu-spec.md §5.1
    private const double Collision = -5e4;      // hstu-spec.md §5.3

    // Tiny table, V = 4, D = 2. Row 0 is padding; rows normalise to 1 → (1, 0), 2 → (0, 1), 3 → (0.6, 0.8).
    private static readonly float[] s_table = [0, 0, 1, 0, 0, 2, 3, 4];

    // User vectors (unit length): u0 = (0.6, 0.8), u1 = (1, 0). Dot products with the normalised rows 1, 2, 3:
    // u0 → 0.6, 0.8, 1.0 (logits 12, 16, 20); u1 → 1.0, 0.0, 0.6 (logits 20, 0, 12).
    private static readonly float[] s_users = [0.6f, 0.8f, 1, 0];

    [TestMethod]
    public void Compute_PerPositionInjectedNegatives_MatchesHandValue()
    {
        var loss = new SampledSoftmaxLoss(numberOfNegatives: 2);
        using var table = tensor(s_table, 4, 2);
        using var users = tensor(s_users, 2, 2);
        using var positives = tensor(new long[] { 1, 3 });
        using var negatives = tensor(new long[] { 2, 3, 3, 1 }, 2, 2);     // row 1's first negative is its positive

        using var value = loss.Compute(users, positives, table, negatives);

        // Row 0 (u0, positive 1, negatives 2, 3): dots 0.6 | 0.8, 1.0. Row 1 (u1, positive 3, negatives 3, 1): dot 0.6 |
        // collision, 1.0. Logit = dot / τ except the collision; loss_t = logsumexp(all logits) − s⁺.
        double expected = (LogSumExp(0.6 / Tau, 0.8 / Tau, 1.0 / Tau) - 0.6 / Tau
            + LogSumExp(0.6 / Tau, Collision, 1.0 / Tau) - 0.6 / Tau) / 2;
        Assert.AreEqual(expected, value.item<float>(), delta: 1e-5);
    }

    [TestMethod]
    public void Compute_NegativeEqualsPositive_GetsCollisionLogitAndContributesNothing()
    {
        var loss = new SampledSoftmaxLoss(numberOfNegatives: 2);
        using var table = tensor(s_table, 4, 2);
        using var users = tensor(new float[] { 0.6f, 0.8f }, 1, 2);
        using var positives = tensor(new long[] { 3 });
        using var negatives = tensor(new long[] { 3, 1 }, 1, 2);

        using var value = loss.Compute(users, positives, table, negatives);

        // s⁺ = 20; the colliding negative would also be 20 (loss = log(2 + e^-8) ≈ 0.69) but is −5e4; the other is 12,
        // so loss = log(1 + e^(12 − 20)).
        double expected = LogSumExp(20, Collision, 12) - 20;
        Assert.AreEqual(expected, value.item<float>(), delta: 1e-6);
        Assert.AreEqual(Math.Log(1 + Math.Exp(-8)), value.item<float>(), delta: 1e-6);
    }

    [TestMethod]
    [DataRow((int)NegativeSampling.PerPosition)]
    [DataRow((int)NegativeSampling.SharedAcrossBatch)]
    public void Compute_SameSeed_SameNegativesAsInjected(int samplingValue)
    {
        var sampling = (NegativeSampling)samplingValue;   // internal enum: DataRow passes its value
        var loss = new SampledSoftmaxLoss(numberOfNegatives: 5, sampling);
        var (users, positives, table) = RandomProblem(seed: 3, tokens: 6, width: 4, items: 9);
        using var sampledBy = new Generator(seed: 42);
        using var drawnBy = new Generator(seed: 42);
        long[] shape = sampling == NegativeSampling.PerPosition ? [6, 5] : [5];

        using var sampled = loss.Compute(users, positives, table, sampledBy);
        using var negatives = SampledSoftmaxLoss.SampleNegatives(shape, 9, drawnBy, CPU);
        using var injected = loss.Compute(users, positives, table, negatives);

        Assert.AreEqual(injected.item<float>(), sampled.item<float>(), delta: 0);
        Dispose(users, positives, table);
    }

    [TestMethod]
    [DataRow(7, 6, 11)]     // V ≤ T·R: the gather path normalises the table, then gathers
    [DataRow(3, 2, 11)]     // V > T·R: the gather path gathers, then normalises the T·R rows
    public void ComputePerPosition_GatherAndFullCatalogue_AgreeInValueAndGradients(int tokens, int negatives, int items)
    {
        var loss = new SampledSoftmaxLoss(numberOfNegatives: negatives);
        var (users, positives, table) = RandomProblem(seed: 5, tokens, width: 5, items);
        using var generator = new Generator(seed: 7);
        using var negativeIds = SampledSoftmaxLoss.SampleNegatives([tokens, negatives], items, generator, CPU);
        using var firstPositives = positives.slice(0, 0, 2, 1);
        negativeIds.index_put_(firstPositives, TensorIndex.Slice(0, 2), TensorIndex.Single(0));  // collisions in rows 0, 1

        var (gatherValue, gatherTableGrad, gatherUserGrad) = ValueAndGradients(
            () => loss.ComputePerPosition(users, positives, table, negativeIds, fullCatalogue: false), users, table);
        var (fullValue, fullTableGrad, fullUserGrad) = ValueAndGradients(
            () => loss.ComputePerPosition(users, positives, table, negativeIds, fullCatalogue: true), users, table);

        Assert.AreEqual(gatherValue, fullValue, delta: 1e-5);
        AssertClose(gatherTableGrad, fullTableGrad, 1e-5);
        AssertClose(gatherUserGrad, fullUserGrad, 1e-5);
        Assert.IsTrue(gatherTableGrad.Take(5).All(g => g == 0), "The padding row must get no gradient.");
        Dispose(users, positives, table);
    }

    [TestMethod]
    [DataRow(true, 11L)]        // full catalogue, C = 11 / V = 1 token per chunk
    [DataRow(true, 40L)]        // full catalogue, C = 3 tokens: 7 = 3 + 3 + 1
    [DataRow(false, 40L)]       // gather, C = 40 / ((1 + R)·D) = 1 token per chunk
    [DataRow(false, 70L)]       // gather, C = 2 tokens: 7 = 2 + 2 + 2 + 1
    public void ComputePerPosition_InChunks_AgreesWithOneChunkInValueAndGradients(bool fullCatalogue, long chunkElements)
    {
        const int Tokens = 7, Negatives = 6, Items = 11;
        var whole = new SampledSoftmaxLoss(numberOfNegatives: Negatives);
        var chunked = new SampledSoftmaxLoss(numberOfNegatives: Negatives) { ChunkElements = chunkElements };
        var (users, positives, table) = RandomProblem(seed: 9, Tokens, width: 5, Items);
        using var generator = new Generator(seed: 3);
        using var negativeIds = SampledSoftmaxLoss.SampleNegatives([Tokens, Negatives], Items, generator, CPU);
        using var firstPositives = positives.slice(0, 0, 2, 1);
        negativeIds.index_put_(firstPositives, TensorIndex.Slice(0, 2), TensorIndex.Single(0));  // collisions in rows 0, 1

        var (wholeValue, wholeTableGrad, wholeUserGrad) = ValueAndGradients(
            () => whole.ComputePerPosition(users, positives, table, negativeIds, fullCatalogue), users, table);
        var (chunkedValue, chunkedTableGrad, chunkedUserGrad) = ValueAndGradients(
            () => chunked.ComputePerPosition(users, positives, table, negativeIds, fullCatalogue), users, table);

        Assert.AreEqual(wholeValue, chunkedValue, delta: 1e-6);
        AssertClose(wholeTableGrad, chunkedTableGrad, 1e-6);
        AssertClose(wholeUserGrad, chunkedUserGrad, 1e-6);
        Dispose(users, positives, table);
    }

    [TestMethod]
    public void ComputePerPosition_ZeroWeightPaddingRows_EqualsTheLossWithoutThem()
    {
        // The padded-batch benchmark scores every padded position and weights it 0: value and gradients must equal
        // the jagged loss on the valid tokens only.
        const int Tokens = 5, Padding = 3, Negatives = 4, Items = 9;
        var loss = new SampledSoftmaxLoss(numberOfNegatives: Negatives);
        var (users, positives, table) = RandomProblem(seed: 4, Tokens + Padding, width: 3, Items);
        using var generator = new Generator(seed: 8);
        using var negativeIds = SampledSoftmaxLoss.SampleNegatives([Tokens + Padding, Negatives], Items, generator, CPU);
        using var weights = cat([ones(Tokens), zeros(Padding)]);
        using var validUsers = users.narrow(0, 0, Tokens);
        using var validPositives = positives.narrow(0, 0, Tokens);
        using var validNegatives = negativeIds.narrow(0, 0, Tokens);

        var (padded, paddedTableGrad, paddedUserGrad) = ValueAndGradients(
            () => loss.ComputePerPosition(users, positives, table, negativeIds, fullCatalogue: true, weights), users, table);
        var (jagged, jaggedTableGrad, _) = ValueAndGradients(
            () => loss.ComputePerPosition(validUsers, validPositives, table, validNegatives, fullCatalogue: true), users, table);

        Assert.AreEqual(jagged, padded, delta: 1e-6);
        AssertClose(jaggedTableGrad, paddedTableGrad, 1e-6);
        Assert.IsTrue(paddedUserGrad[(Tokens * 3)..].All(g => g == 0), "padding rows get no gradient");
        Dispose(users, positives, table);
    }

    [TestMethod]
    [DataRow(10L, 100L, true)]          // T·V = 1000 ≤ limit, V ≤ 32·R = 128
    [DataRow(10L, 101L, false)]         // T·V = 1010 > limit
    [DataRow(1L, 129L, false)]          // V > 32·R: gathering is cheaper
    public void UsesFullCatalogue_SmallLimit_ComparesTokensTimesItemsAndItemsPerNegative(long tokens, long items, bool expected)
    {
        var loss = new SampledSoftmaxLoss(numberOfNegatives: 4, fullCatalogueElementLimit: 1000);

        Assert.AreEqual(expected, loss.UsesFullCatalogue(tokens, items));
    }

    [TestMethod]
    [DataRow(13_600L, 3_707L, true)]    // ML-1M: V ≈ 29·R
    [DataRow(25_600L, 3_707L, true)]    // ML-1M, a batch of 128 users with 200 events: no T·V limit
    [DataRow(13_600L, 26_745L, false)]  // ML-20M: V > 32·R
    [DataRow(6_400L, 695_763L, false)]  // Amazon Books
    public void UsesFullCatalogue_DefaultLimitAndReferenceDatasets_FullOnlyForMl1m(long tokens, long items, bool expected)
    {
        var loss = new SampledSoftmaxLoss(numberOfNegatives: 128);

        Assert.AreEqual(expected, loss.UsesFullCatalogue(tokens, items));
    }

    [TestMethod]
    public void Compute_SharedAcrossBatch_MatchesHandValue()
    {
        var loss = new SampledSoftmaxLoss(numberOfNegatives: 2, NegativeSampling.SharedAcrossBatch);
        using var table = tensor(s_table, 4, 2);
        using var users = tensor(s_users, 2, 2);
        using var positives = tensor(new long[] { 1, 3 });
        using var negatives = tensor(new long[] { 2, 3 });                  // [R], shared by both rows

        using var value = loss.Compute(users, positives, table, negatives);

        // Row 0: s⁺ = 12, s⁻ = 16 (item 2), 20 (item 3). Row 1: s⁺ = 12, s⁻ = 0 (item 2), collision (item 3).
        double expected = (LogSumExp(12, 16, 20) - 12 + LogSumExp(12, 0, Collision) - 12) / 2;
        Assert.AreEqual(expected, value.item<float>(), delta: 1e-5);
    }

    [TestMethod]
    public void Compute_InBatch_UsesDistinctPositivesAndMasksOwn()
    {
        var loss = new SampledSoftmaxLoss(numberOfNegatives: 128, NegativeSampling.InBatch);
        using var table = tensor(s_table, 4, 2);
        using var users = tensor(new float[] { 0.6f, 0.8f, 1, 0, 0, 1 }, 3, 2);    // u2 = (0, 1)
        using var positives = tensor(new long[] { 1, 3, 1 });                        // distinct: 1, 3
        using var generator = new Generator(seed: 1);

        using var value = loss.Compute(users, positives, table, generator);

        // Negatives are items 1 and 3 for every row (not 1, 3, 1; R = 128 is ignored); the row's own id is masked.
        // Row 0: s⁺ = 12; item 1 masked, item 3 → 20. Row 1: s⁺ = 12; item 1 → 20, item 3 masked.
        // Row 2 (u = (0, 1)): s⁺ = 0; item 1 masked, item 3 → 0.8 / τ = 16.
        double expected = (LogSumExp(12, Collision, 20) - 12 + LogSumExp(12, 20, Collision) - 12
            + LogSumExp(0, Collision, 16)) / 3;
        Assert.AreEqual(expected, value.item<float>(), delta: 1e-5);
    }

    [TestMethod]
    public void Compute_AllItems_MatchesHandValue()
    {
        var loss = new SampledSoftmaxLoss(numberOfNegatives: 128, NegativeSampling.AllItems);
        using var table = tensor(s_table, 4, 2);
        using var users = tensor(s_users, 2, 2);
        using var positives = tensor(new long[] { 1, 3 });
        using var generator = new Generator(seed: 1);

        using var value = loss.Compute(users, positives, table, generator);

        // The softmax runs over items 1, 2, 3 (never padding), R = 128 is ignored. Row 0 (u0): logits 12, 16, 20, positive
        // 12. Row 1 (u1): logits 20, 0, 12, positive 12.
        double expected = (LogSumExp(12, 16, 20) - 12 + LogSumExp(20, 0, 12) - 12) / 2;
        Assert.AreEqual(expected, value.item<float>(), delta: 1e-5);
    }

    [TestMethod]
    [DataRow(1L << 22)]     // one chunk
    [DataRow(25L)]          // C = 25 / (V − 1) = 2 tokens: 7 = 2 + 2 + 2 + 1
    public void Compute_AllItems_EqualsPerPositionWithEveryItemAsNegativeInValueAndGradients(long chunkElements)
    {
        // Per position with negatives 1..V−1 masks the positive's own column (−5·10⁴), which leaves exactly the full softmax.
        const int Tokens = 7, Items = 11;
        var allItems = new SampledSoftmaxLoss(numberOfNegatives: 1, NegativeSampling.AllItems) { ChunkElements = chunkElements };
        var perPosition = new SampledSoftmaxLoss(numberOfNegatives: Items - 1);
        var (users, positives, table) = RandomProblem(seed: 21, Tokens, width: 5, Items);
        using var generator = new Generator(seed: 2);
        using var everyItem = arange(1, Items, dtype: ScalarType.Int64).expand(Tokens, Items - 1).contiguous();

        var (allValue, allTableGrad, allUserGrad) = ValueAndGradients(
            () => allItems.Compute(users, positives, table, generator), users, table);
        var (sampledValue, sampledTableGrad, sampledUserGrad) = ValueAndGradients(
            () => perPosition.Compute(users, positives, table, everyItem), users, table);

        Assert.AreEqual(sampledValue, allValue, delta: 1e-5);
        AssertClose(sampledTableGrad, allTableGrad, 1e-5);
        AssertClose(sampledUserGrad, allUserGrad, 1e-5);
        Assert.IsTrue(allTableGrad.Take(5).All(g => g == 0), "The padding row must get no gradient.");
        Dispose(users, positives, table);
    }

    [TestMethod]
    public void Compute_AllItemsWithInjectedNegatives_Throws()
    {
        var loss = new SampledSoftmaxLoss(numberOfNegatives: 2, NegativeSampling.AllItems);
        using var table = tensor(s_table, 4, 2);
        using var users = tensor(s_users, 2, 2);
        using var positives = tensor(new long[] { 1, 3 });
        using var negatives = tensor(new long[] { 2, 3, 3, 1 }, 2, 2);

        var error = Assert.ThrowsExactly<InvalidOperationException>(() => loss.Compute(users, positives, table, negatives));
        StringAssert.Contains(error.Message, "AllItems");
    }

    [TestMethod]
    public void SampleNegatives_ManyDraws_NeverPaddingAndCoverAllItems()
    {
        using var generator = new Generator(seed: 11);

        using var ids = SampledSoftmaxLoss.SampleNegatives([50, 40], 6, generator, CPU);

        var drawn = ids.data<long>().ToArray();
        Assert.AreEqual(ScalarType.Int64, ids.dtype);
        CollectionAssert.AreEquivalent(new long[] { 1, 2, 3, 4, 5 }, drawn.Distinct().ToArray());
    }

    [TestMethod]
    public void SampleNegatives_SameSeed_SameIds()
    {
        using var first = new Generator(seed: 9);
        using var second = new Generator(seed: 9);

        using var a = SampledSoftmaxLoss.SampleNegatives([8, 16], 100, first, CPU);
        using var b = SampledSoftmaxLoss.SampleNegatives([8, 16], 100, second, CPU);
        using var c = SampledSoftmaxLoss.SampleNegatives([8, 16], 100, first, CPU);

        CollectionAssert.AreEqual(a.data<long>().ToArray(), b.data<long>().ToArray());
        CollectionAssert.AreNotEqual(a.data<long>().ToArray(), c.data<long>().ToArray());
    }

    [TestMethod]
    [DataRow((int)NegativeSampling.PerPosition)]
    [DataRow((int)NegativeSampling.SharedAcrossBatch)]
    [DataRow((int)NegativeSampling.InBatch)]
    [DataRow((int)NegativeSampling.AllItems)]
    public void Compute_FewAdamSteps_LowerTheLoss(int samplingValue)
    {
        var sampling = (NegativeSampling)samplingValue;   // internal enum: DataRow passes its value
        var loss = new SampledSoftmaxLoss(numberOfNegatives: 8, sampling);
        var (userParameter, positives, table) = RandomProblem(seed: 13, tokens: 16, width: 8, items: 20);
        using var optimizer = optim.Adam([userParameter, table], lr: 0.05);
        using var generator = new Generator(seed: 17);
        double first = double.NaN, last = double.NaN;

        for (int step = 0; step < 30; step++)
        {
            using var scope = NewDisposeScope();
            optimizer.zero_grad();
            var users = nn.functional.normalize(userParameter, dim: 1);                       // as the encoder does
            var value = loss.Compute(users, positives, table, generator);
            value.backward();
            optimizer.step();
            last = value.item<float>();
            if (step == 0)
                first = last;
        }

        Assert.IsTrue(double.IsFinite(last) && last < 0.5 * first, $"Loss went from {first} to {last}.");
        Dispose(userParameter, positives, table);
    }

    [TestMethod]
    [DataRow((int)NegativeSampling.PerPosition, 0L)]
    [DataRow((int)NegativeSampling.PerPosition, SampledSoftmaxLoss.DefaultFullCatalogueElementLimit)]
    [DataRow((int)NegativeSampling.SharedAcrossBatch, 0L)]
    [DataRow((int)NegativeSampling.InBatch, 0L)]
    public void Compute_LossAndBackwardInScope_KeepLiveTensorCount(int samplingValue, long limit)
    {
        var sampling = (NegativeSampling)samplingValue;
        var loss = new SampledSoftmaxLoss(numberOfNegatives: 4, sampling, limit);
        var (users, positives, table) = RandomProblem(seed: 19, tokens: 5, width: 3, items: 7);
        using var generator = new Generator(seed: 23);
        using (NewDisposeScope())
        {
            loss.Compute(users, positives, table, generator).backward();                   // warm-up
        }
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;

        for (int i = 0; i < 3; i++)
        {
            using var scope = NewDisposeScope();
            loss.Compute(users, positives, table, generator).backward();
        }

        Assert.AreEqual(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
        Dispose(users, positives, table);
    }

    [TestMethod]
    public void Constructor_NoNegatives_ThrowsArgumentOutOfRange()
    {
        var exception = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new SampledSoftmaxLoss(numberOfNegatives: 0));

        Assert.AreEqual("numberOfNegatives", exception.ParamName);
    }

    [TestMethod]
    public void Compute_WidthMismatch_ThrowsArgumentException()
    {
        var loss = new SampledSoftmaxLoss(numberOfNegatives: 2);
        using var table = tensor(s_table, 4, 2);
        using var users = zeros(2, 3);
        using var positives = tensor(new long[] { 1, 3 });
        using var generator = new Generator(seed: 1);

        var exception = Assert.ThrowsExactly<ArgumentException>(() => loss.Compute(users, positives, table, generator));

        Assert.AreEqual("itemEmbeddings", exception.ParamName);
    }

    [TestMethod]
    public void Compute_InBatchWithInjectedNegatives_ThrowsInvalidOperation()
    {
        var loss = new SampledSoftmaxLoss(numberOfNegatives: 2, NegativeSampling.InBatch);
        using var table = tensor(s_table, 4, 2);
        using var users = tensor(s_users, 2, 2);
        using var positives = tensor(new long[] { 1, 3 });
        using var negatives = tensor(new long[] { 2, 3 });

        Assert.ThrowsExactly<InvalidOperationException>(() => loss.Compute(users, positives, table, negatives));
    }

    private static double LogSumExp(params double[] logits)
    {
        double max = logits.Max();
        return max + Math.Log(logits.Sum(s => Math.Exp(s - max)));
    }

    // Unit user vectors [T, D] and a table [V, D] as parameters, positives [T] int64 in 1..V−1.
    private static (Parameter Users, Tensor Positives, Parameter Table) RandomProblem(int seed, long tokens, long width,
        long items)
    {
        using var generator = new Generator((ulong)seed);
        using var raw = randn([tokens, width], generator: generator);
        using var unit = nn.functional.normalize(raw, dim: 1);
        var users = new Parameter(unit.detach().clone());
        var table = new Parameter(randn([items, width], generator: generator));
        var positives = randint(1, items, [tokens], dtype: ScalarType.Int64, generator: generator);
        return (users, positives, table);
    }

    private static (float Value, float[] TableGrad, float[] UserGrad) ValueAndGradients(Func<Tensor> compute,
        Tensor users, Tensor table)
    {
        using var scope = NewDisposeScope();
        users.grad?.zero_();
        table.grad?.zero_();
        var value = compute();
        value.backward();
        return (value.item<float>(), table.grad!.data<float>().ToArray(), users.grad!.data<float>().ToArray());
    }

    private static void AssertClose(float[] expected, float[] actual, double delta)
    {
        Assert.HasCount(expected.Length, actual);
        for (int i = 0; i < expected.Length; i++)
            Assert.AreEqual(expected[i], actual[i], delta, $"Element {i}.");
    }

    private static void Dispose(params Tensor[] tensors)
    {
        foreach (var t in tensors)
            t.Dispose();
    }
}
