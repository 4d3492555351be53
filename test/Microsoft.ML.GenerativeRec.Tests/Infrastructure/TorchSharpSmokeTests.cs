using TorchSharp;

namespace Microsoft.ML.GenerativeRec.Tests.Infrastructure;

[TestClass]
public sealed class TorchSharpSmokeTests
{
    [TestMethod]
    public void NativeRuntime_Loads_AndMultiplies()
    {
        using var a = torch.tensor(new float[] { 1, 2, 3, 4 }, 2, 2);

        using var product = a.matmul(a);

        CollectionAssert.AreEqual(new float[] { 7, 10, 15, 22 }, product.data<float>().ToArray());
    }
}
