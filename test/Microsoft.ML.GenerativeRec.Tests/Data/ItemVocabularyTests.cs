using Microsoft.ML.GenerativeRec.Data;

namespace Microsoft.ML.GenerativeRec.Tests.Data;

[TestClass]
public sealed class ItemVocabularyTests
{
    [TestMethod]
    public void Build_AnyInputOrder_IndexesIdsInAscendingOrderFromOne()
    {
        var vocabulary = ItemVocabulary.Build(RawIdType.Int64, new long[] { 30, 10, 20, 10 }.Select(RawId.FromNumber));

        Assert.AreEqual(3, vocabulary.Count);
        Assert.AreEqual(1, vocabulary.IndexOf(RawId.FromNumber(10)));
        Assert.AreEqual(3, vocabulary.IndexOf(RawId.FromNumber(30)));
        Assert.AreEqual(RawId.FromNumber(20), vocabulary.IdAt(2));
    }

    [TestMethod]
    public void IndexOf_UnknownId_IsPadding()
    {
        var vocabulary = ItemVocabulary.Build(RawIdType.Text, new[] { "b", "a" }.Select(RawId.FromText));

        Assert.AreEqual(ItemVocabulary.Padding, vocabulary.IndexOf(RawId.FromText("z")));
        Assert.AreEqual(1, vocabulary.IndexOf(RawId.FromText("a")));
    }

    [TestMethod]
    public void WriteRead_RoundTrip_KeepsTypeAndIndices()
    {
        var vocabulary = ItemVocabulary.Build(RawIdType.Text, new[] { "é", "b", "a" }.Select(RawId.FromText));
        using var stream = new MemoryStream();
        vocabulary.Write(new BinaryWriter(stream));
        stream.Position = 0;

        var read = ItemVocabulary.Read(new BinaryReader(stream));

        Assert.AreEqual(RawIdType.Text, read.Type);
        Assert.AreEqual(3, read.Count);
        for (int i = 1; i <= 3; i++)
        {
            Assert.AreEqual(vocabulary.IdAt(i), read.IdAt(i));
        }
    }

    [TestMethod]
    public void Read_NewerFormatVersion_ThrowsSayingSo()
    {
        using var stream = new MemoryStream();
        new BinaryWriter(stream).Write(99);
        stream.Position = 0;

        var error = Assert.ThrowsExactly<InvalidDataException>(() => ItemVocabulary.Read(new BinaryReader(stream)));

        StringAssert.Contains(error.Message, "format version 99");
    }

    [TestMethod]
    public void IdAt_OutOfRange_ThrowsNamingTheIndex()
    {
        var vocabulary = ItemVocabulary.Build(RawIdType.Int32, [RawId.FromNumber(5)]);

        var error = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => vocabulary.IdAt(0));

        Assert.AreEqual("index", error.ParamName);
    }
}
