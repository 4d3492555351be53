using Microsoft.ML.GenerativeRec.Modeling;
using static TorchSharp.torch;

namespace Microsoft.ML.GenerativeRec.Tests.Modeling;

[TestClass]
public sealed class SequenceTensorsTests
{
    [TestMethod]
    public void ValidMask_Lengths_MarksPositionsBeforeLength()
    {
        using var lengths = tensor(new long[] { 1, 3 });

        using var mask = SequenceTensors.ValidMask(lengths, 3, ScalarType.Float32);

        CollectionAssert.AreEqual(new long[] { 2, 3, 1 }, mask.shape);
        CollectionAssert.AreEqual(new float[] { 1, 0, 0, 1, 1, 1 }, mask.data<float>().ToArray());
    }

    [TestMethod]
    public void UserEmbeddings_Lengths_NormalizesLastValidRow()
    {
        // Row 0 has length 2: its last valid output is position 1, [3, 4]; row 1 has length 1: position 0, [0, 2].
        using var outputs = tensor(new float[] { 1, 1, 3, 4, 0, 0, /* row 1 */ 0, 2, 9, 9, 9, 9 }, 2, 3, 2);
        using var lengths = tensor(new long[] { 2, 1 });

        using var users = SequenceTensors.UserEmbeddings(outputs, lengths);

        CollectionAssert.AreEqual(new float[] { 0.6f, 0.8f, 0, 1 }, users.data<float>().ToArray());
    }
}
