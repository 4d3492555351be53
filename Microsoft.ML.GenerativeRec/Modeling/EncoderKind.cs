namespace Microsoft.ML.GenerativeRec.Modeling;

/// <summary>Which encoder a neural recommender runs; saved in the model zip.</summary>
internal enum EncoderKind : byte
{
    Hstu = 1,
    SasRec = 2,
}
