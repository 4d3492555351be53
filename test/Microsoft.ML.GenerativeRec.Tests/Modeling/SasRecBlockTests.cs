using Microsoft.ML.GenerativeRec.Modeling;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.GenerativeRec.Tests.Modeling;

[TestClass]
public sealed class SasRecBlockTests
{
    [TestMethod]
    public void Attend_SameWeights_MatchesTorchMultiheadAttentionWithCausalMask()
    {
        const long B = 2, n = 5, D = 8, H = 2;
        manual_seed(3);
        using var block = new SasRecBlock(D, H, feedForwardDimension: 8, dropoutRate: 0.3);
        using var reference = nn.MultiheadAttention(D, H, dropout: 0.3);
        block.eval();
        reference.eval();
        var ours = block.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        using (no_grad())
        {
            foreach (var (name, parameter) in reference.named_parameters())
                parameter.copy_(ours[name]);     // in_proj_weight, in_proj_bias, out_proj.weight, out_proj.bias
        }

        using var scope = NewDisposeScope();
        var x = randn(B, n, D);
        var query = nn.functional.layer_norm(x, [D], eps: 1e-8);
        var actual = block.Attend(query, x);                                                  // [B, n, D]
        // The reference passes a bool triu(1) mask, which Python's MultiheadAttention turns into −inf. TorchSharp's
        // native module does not treat a bool mask that way (its output differs), so it gets the equivalent float mask.
        var future = zeros(n, n).masked_fill(ones(n, n, ScalarType.Bool).triu(1), double.NegativeInfinity);   // [n, n]
        var (expected, _) = reference.call(query.transpose(0, 1), x.transpose(0, 1), x.transpose(0, 1),
            need_weights: false, attn_mask: future);                                          // [n, B, D], sequence first

        Assert.IsTrue(actual.allclose(expected.transpose(0, 1), rtol: 1e-5, atol: 1e-6));
    }

    [TestMethod]
    public void Forward_SameWeights_MatchesSpecComposition()
    {
        const long B = 2, n = 4, D = 8, H = 2;
        manual_seed(5);
        using var block = new SasRecBlock(D, H, feedForwardDimension: 12, dropoutRate: 0.3);
        block.eval();
        var p = block.named_parameters().ToDictionary(q => q.name, q => q.parameter);

        using var scope = NewDisposeScope();
        var x = randn(B, n, D);
        var mask = tensor(new float[] { 1, 1, 1, 1, 1, 1, 0, 0 }, B, n, 1);                 // row 1: L = 2
        var actual = block.forward(x, mask);

        // hstu-spec.md §4: Q = LN(x; 1e-8); A = MHA(Q, x, x); z = LN(Q + A; 1e-8);
        // x' = (z + W2·ReLU(W1·z + b1) + b2) · mask (dropout off in eval).
        var query = nn.functional.layer_norm(x, [D], eps: 1e-8);
        var z = nn.functional.layer_norm(query + block.Attend(query, x), [D], eps: 1e-8);
        var hidden = nn.functional.relu(nn.functional.linear(z, p["conv1.weight"], p["conv1.bias"]));
        var expected = (z + nn.functional.linear(hidden, p["conv2.weight"], p["conv2.bias"])) * mask;
        Assert.IsTrue(actual.allclose(expected, rtol: 1e-5, atol: 1e-6));
        using var padding = actual[1, 2..].abs().max();
        Assert.AreEqual(0f, padding.item<float>());
    }
}
