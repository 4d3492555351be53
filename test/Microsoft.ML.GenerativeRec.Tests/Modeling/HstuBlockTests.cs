using Microsoft.ML.GenerativeRec.Modeling;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.GenerativeRec.Tests.Modeling;

[TestClass]
public sealed class HstuBlockTests
{
    // D = 4, H = 2, Dqk = 1, Dv = 2: W_uvqk is 4 × (2·2·2 + 2·2·1) = 4 × 12; N = 5, batches of n = 3.
    private const int D = 4, H = 2, Dqk = 1, Dv = 2, N = 5, Length = 3;
    private const int Columns = 2 * H * Dv + 2 * H * Dqk;

    [TestMethod]
    public void Forward_HandSetWeights_MatchesPlainArrayReference()
    {
        using var block = NewBlock();
        var (uvqk, posW, tsW, wo, bo) = HandSetWeights(block);
        float[,] x = { { 0.5f, -1f, 2f, 0f }, { 1f, 1f, -0.5f, 0.25f }, { -2f, 0.5f, 0f, 1f } };
        long[] timestamps = [100, 160, 3760, 90000];         // t_3 is the request time (row 2 uses t_3 − t_j)

        float[] actual;
        using (var scope = NewDisposeScope())
        {
            var input = tensor(Flatten(x), 1, Length, D);
            var mask = ones(1, Length, 1);
            var buckets = RelativeAttentionBias.TimeBuckets(tensor(timestamps, 1, Length + 1));
            actual = block.forward(input, mask, buckets).data<float>().ToArray();
        }

        var expected = ReferenceBlock(x, timestamps, uvqk, posW, tsW, wo, bo);
        for (int i = 0; i < expected.Length; i++)
            Assert.AreEqual(expected[i], actual[i], 1e-5f, $"element {i}");
    }

    [TestMethod]
    public void Forward_PaddedRow_IsZeroAndValidRowsMatchReference()
    {
        using var block = NewBlock();
        var (uvqk, posW, tsW, wo, bo) = HandSetWeights(block);
        float[,] x = { { 0.5f, -1f, 2f, 0f }, { 1f, 1f, -0.5f, 0.25f }, { 0f, 0f, 0f, 0f } };   // L = 2, row 2 padding

        float[] actual;
        using (var scope = NewDisposeScope())
        {
            var input = tensor(Flatten(x), 1, Length, D);
            var mask = tensor(new float[] { 1, 1, 0 }, 1, Length, 1);
            actual = block.forward(input, mask, null).data<float>().ToArray();
        }

        var expected = ReferenceBlock(x, timestamps: null, uvqk, posW, tsW, wo, bo);
        for (int i = 0; i < 2 * D; i++)
            Assert.AreEqual(expected[i], actual[i], 1e-5f, $"element {i}");
        CollectionAssert.AreEqual(new float[D], actual[(2 * D)..]);
    }

    [TestMethod]
    public void Backward_EqualsTheUnfusedFormula()
    {
        // The block folds the causal mask into the bias (SiLU(−10⁹) = 0) and ÷N into A·V; values and gradients must
        // equal those of tril(SiLU(QKᵀ + rab)) / N written out plainly, including for a padded row.
        using var block = NewBlock();
        HandSetWeights(block);
        using var scope = NewDisposeScope();
        manual_seed(3);
        var x0 = randn(2, Length, D);
        var mask = tensor(new float[] { 1, 1, 1, 1, 1, 0 }, 2, Length, 1);
        x0 = x0 * mask;
        var probe = randn(2, Length, D);
        var parameters = new[] { block.Uvqk, block.Bias.PositionWeights, block.Output.weight!, block.Output.bias! };

        var x = x0.clone().requires_grad_(true);
        var fused = block.forward(x, mask, null);
        fused.mul(probe).sum().backward();
        var fusedGrads = parameters.Select(p => p.grad!.clone()).Prepend(x.grad!.clone()).ToArray();
        foreach (var p in parameters)
            p.grad!.zero_();

        var xPlain = x0.clone().requires_grad_(true);
        var plain = PlainBlock(block, xPlain, mask);
        plain.mul(probe).sum().backward();
        var plainGrads = parameters.Select(p => p.grad!).Prepend(xPlain.grad!).ToArray();

        Assert.IsTrue(fused.allclose(plain, rtol: 1e-5, atol: 1e-6), "outputs");
        for (int i = 0; i < plainGrads.Length; i++)
            Assert.IsTrue(fusedGrads[i].allclose(plainGrads[i], rtol: 1e-4, atol: 1e-6), $"gradient {i}");
    }

    // hstu-spec.md §3.3 with tensors, without the block's fusions.
    private static Tensor PlainBlock(HstuBlock block, Tensor x, Tensor mask)
    {
        long b = x.shape[0], n = x.shape[1];
        var h = nn.functional.silu(nn.functional.layer_norm(x, [D], eps: 1e-6).matmul(block.Uvqk));
        var parts = h.split([H * Dv, H * Dv, H * Dqk, H * Dqk], dim: -1);
        Tensor Heads(Tensor t, long w) => t.reshape(b, n, H, w).transpose(1, 2);
        var scores = Heads(parts[2], Dqk).matmul(Heads(parts[3], Dqk).transpose(-1, -2)) + block.Bias.forward(null, n).unsqueeze(1);
        var weights = nn.functional.silu(scores).div(N).tril();
        var attended = weights.matmul(Heads(parts[1], Dv)).transpose(1, 2).reshape(b, n, H * Dv);
        var y = parts[0] * nn.functional.layer_norm(attended, [H * Dv], eps: 1e-6);
        return (x + block.Output.forward(y)) * mask;
    }

    private static HstuBlock NewBlock()
    {
        var block = new HstuBlock(D, H, Dqk, Dv, N, dropoutRate: 0.5);
        block.eval();
        return block;
    }

    // Deterministic, varied weights; ts_w is left random-free too so every term is checked.
    private static (float[,] Uvqk, float[] PosW, float[] TsW, float[,] Wo, float[] Bo) HandSetWeights(HstuBlock block)
    {
        var uvqk = new float[D, Columns];
        for (int r = 0; r < D; r++)
            for (int c = 0; c < Columns; c++)
                uvqk[r, c] = 0.5f * MathF.Sin(1.3f * r + 0.7f * c + 0.1f);
        var posW = Enumerable.Range(0, 2 * N - 1).Select(i => 0.1f * (i - N + 1)).ToArray();   // −0.4 … 0.4
        var tsW = Enumerable.Range(0, 129).Select(i => 0.01f * i).ToArray();
        var wo = new float[D, H * Dv];
        for (int r = 0; r < D; r++)
            for (int c = 0; c < H * Dv; c++)
                wo[r, c] = 0.3f * MathF.Cos(0.9f * r - 1.1f * c);
        float[] bo = [0.1f, -0.2f, 0.05f, 0f];
        using (no_grad())
        {
            block.Uvqk.copy_(tensor(Flatten(uvqk), D, Columns));
            block.Bias.PositionWeights.copy_(tensor(posW));
            block.Bias.TimeWeights.copy_(tensor(tsW));
            block.Output.weight!.copy_(tensor(Flatten(wo), D, H * Dv));
            block.Output.bias!.copy_(tensor(bo));
        }
        return (uvqk, posW, tsW, wo, bo);
    }

    // hstu-spec.md §3.3 written with loops over one user's rows: all rows of x are treated as valid.
    private static float[] ReferenceBlock(float[,] x, long[]? timestamps, float[,] uvqk, float[] posW, float[] tsW,
        float[,] wo, float[] bo)
    {
        int n = x.GetLength(0);
        var h = new float[n][];
        for (int i = 0; i < n; i++)
        {
            var xn = LayerNorm(Row(x, i));
            h[i] = new float[Columns];
            for (int c = 0; c < Columns; c++)
            {
                float sum = 0;
                for (int d = 0; d < D; d++)
                    sum += xn[d] * uvqk[d, c];
                h[i][c] = Silu(sum);
            }
        }
        // Column layout: U [0, H·Dv), V [H·Dv, 2·H·Dv), Q [2·H·Dv, 2·H·Dv + H·Dqk), K after.
        int vStart = H * Dv, qStart = 2 * H * Dv, kStart = qStart + H * Dqk;
        var output = new float[n * D];
        for (int i = 0; i < n; i++)
        {
            var attended = new float[H * Dv];
            for (int head = 0; head < H; head++)
            {
                for (int j = 0; j <= i; j++)                                   // causal, diagonal included
                {
                    float score = posW[N - 1 + j - i];
                    if (timestamps is not null)
                    {
                        long delta = Math.Abs(timestamps[i + 1] - timestamps[j]);
                        int bucket = (int)Math.Clamp(MathF.Floor(MathF.Log(Math.Max(delta, 1)) / 0.301f), 0, 128);
                        score += tsW[bucket];
                    }
                    for (int d = 0; d < Dqk; d++)
                        score += h[i][qStart + head * Dqk + d] * h[j][kStart + head * Dqk + d];
                    float weight = Silu(score) / N;                            // ÷ padded N, not the length
                    for (int e = 0; e < Dv; e++)
                        attended[head * Dv + e] += weight * h[j][vStart + head * Dv + e];
                }
            }
            var normed = LayerNorm(attended);
            for (int d = 0; d < D; d++)
            {
                float sum = bo[d];
                for (int c = 0; c < H * Dv; c++)
                    sum += wo[d, c] * h[i][c] * normed[c];                     // y = U ⊙ LN(O)
                output[i * D + d] = x[i, d] + sum;
            }
        }
        return output;
    }

    private static float Silu(float v) => v / (1 + MathF.Exp(-v));

    private static float[] LayerNorm(float[] v)
    {
        float mean = v.Average();
        float variance = v.Select(a => (a - mean) * (a - mean)).Average();
        return v.Select(a => (a - mean) / MathF.Sqrt(variance + 1e-6f)).ToArray();
    }

    private static float[] Row(float[,] m, int i) => Enumerable.Range(0, m.GetLength(1)).Select(c => m[i, c]).ToArray();

    private static float[] Flatten(float[,] m) => m.Cast<float>().ToArray();
}
