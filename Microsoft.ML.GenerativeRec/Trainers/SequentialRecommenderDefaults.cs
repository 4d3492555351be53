namespace Microsoft.ML.GenerativeRec;

/// <summary>Defaults of the neural trainers: the reference MovieLens-1M configuration (hstu-spec.md §5.1, §5.2).</summary>
internal static class SequentialRecommenderDefaults
{
    public const int EmbeddingDimension = 50;
    public const int NumberOfBlocks = 2;
    public const int NumberOfHeads = 1;
    public const int MaxSequenceLength = 200;
    public const int ReferenceExtraPadding = (int)Modeling.EncoderShape.OutputPadding;   // N = 200 + 11 = 211
    public const double DropoutRate = Modeling.EncoderShape.ReferenceDropoutRate;
    public const int NumberOfEpochs = 101;
    public const int BatchSize = 128;
    public const double LearningRate = 1e-3;
    public const double AdamBeta1 = 0.9;
    public const double AdamBeta2 = 0.98;
    public const int NumberOfNegatives = 128;
    public const double Temperature = Training.SampledSoftmaxLoss.DefaultTemperature;
    public const int EarlyStoppingPatience = 10;       // ours: the reference does no model selection (hstu-spec.md §10.1)
    public const int NumberOfRecommendations = 10;
    public const int FeedForwardDimension = 50;        // SASRec ffn_hidden_dim on ML-1M
    public const int LargeNumberOfBlocks = 8;          // HSTU-large on ML-1M (hstu-spec.md §5.1)
    public const int LargeNumberOfHeads = 2;           // HSTU-large on ML-1M; dqk = dv = D / H = 25 (§3.7)
}
