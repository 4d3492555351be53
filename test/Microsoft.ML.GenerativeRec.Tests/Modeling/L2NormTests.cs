using Microsoft.ML.GenerativeRec.Modeling;
using static TorchSharp.torch;

namespace Microsoft.ML.GenerativeRec.Tests.Modeling;

[TestClass]
public sealed class L2NormTests
{
    [TestMethod]
    public void Normalize_Vectors_HaveUnitNorm()
    {
        using var vectors = tensor(new float[] { 3, 4, 0, -2 }, 2, 2);

        using var normalized = L2Norm.Normalize(vectors);

        // [3, 4] / 5 and [0, −2] / 2.
        CollectionAssert.AreEqual(new float[] { 0.6f, 0.8f, 0, -1 }, normalized.data<float>().ToArray());
    }

    [TestMethod]
    public void Normalize_ZeroVector_StaysZeroAndFinite()
    {
        using var vectors = zeros(1, 3);

        using var normalized = L2Norm.Normalize(vectors);

        CollectionAssert.AreEqual(new float[] { 0, 0, 0 }, normalized.data<float>().ToArray());
    }

    [TestMethod]
    public void Normalize_NormBelowEpsilon_DividesByEpsilon()
    {
        using var vectors = tensor(new float[] { 3e-7f, 4e-7f });

        using var normalized = L2Norm.Normalize(vectors);

        // ‖y‖ = 5e-7 < 1e-6, so y / 1e-6 = [0.3, 0.4], not a unit vector.
        var values = normalized.data<float>().ToArray();
        Assert.AreEqual(0.3f, values[0], 1e-6f);
        Assert.AreEqual(0.4f, values[1], 1e-6f);
    }
}
