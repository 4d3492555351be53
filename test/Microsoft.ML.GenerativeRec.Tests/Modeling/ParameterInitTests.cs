using Microsoft.ML.GenerativeRec.Modeling;
using static TorchSharp.torch;

namespace Microsoft.ML.GenerativeRec.Tests.Modeling;

[TestClass]
public sealed class ParameterInitTests
{
    [TestMethod]
    public void TruncatedNormal_LargeTensor_StaysWithinTwoSigmaWithTruncatedStd()
    {
        manual_seed(1);
        using var values = empty(100_000);

        ParameterInit.TruncatedNormal(values, std: 0.5);

        using var mean = values.mean();
        using var std = values.std();
        using var max = values.abs().max();
        // Truncation at ±2σ: std = 0.5·√(1 − 4φ(2)/(Φ(2) − Φ(−2))) = 0.5·0.8796 = 0.4398; |x| ≤ 1.
        Assert.AreEqual(0.0, mean.item<float>(), 0.005);
        Assert.AreEqual(0.4398, std.item<float>(), 0.004);
        Assert.IsLessThanOrEqualTo(1.0f, max.item<float>());
        Assert.IsGreaterThan(0.99f, max.item<float>());            // the tails are reached, not cut short
    }

    [TestMethod]
    public void XavierNormal_Matrix_IsNormalWithGlorotStd()
    {
        manual_seed(1);
        using var weight = empty(300, 100);                        // fan_out 300, fan_in 100

        ParameterInit.XavierNormal(weight);

        using var std = weight.std();
        using var max = weight.abs().max();
        // std √(2 / 400) = 0.0707; a uniform of that std would stop at √3·0.0707 = 0.122, a normal of 30000 draws
        // reaches beyond 3.5σ = 0.247.
        Assert.AreEqual(Math.Sqrt(2.0 / 400), std.item<float>(), 0.001);
        Assert.IsGreaterThan(0.2f, max.item<float>());
    }

    [TestMethod]
    public void XavierUniform_Matrix_StaysWithinGlorotBound()
    {
        manual_seed(1);
        using var weight = empty(300, 100);

        ParameterInit.XavierUniform(weight);

        using var max = weight.abs().max();
        // bound √(6 / 400) = 0.1225.
        Assert.IsLessThanOrEqualTo((float)Math.Sqrt(6.0 / 400), max.item<float>());
        Assert.IsGreaterThan(0.12f, max.item<float>());
    }

    [TestMethod]
    public void DefaultBias_FanInFromWeight_BoundsByInverseSqrtFanIn()
    {
        manual_seed(1);
        using var weight = empty(1000, 16);                        // fan_in 16
        using var bias = empty(1000);

        ParameterInit.DefaultBias(bias, weight);

        using var max = bias.abs().max();
        Assert.IsLessThanOrEqualTo(0.25f, max.item<float>());      // 1 / √16
        Assert.IsGreaterThan(0.24f, max.item<float>());
    }
}
