using Microsoft.ML.GenerativeRec.Data;
using Microsoft.ML.GenerativeRec.Evaluation;
using Microsoft.ML.GenerativeRec.Jagged;
using Microsoft.ML.GenerativeRec.Modeling;
using Microsoft.ML.GenerativeRec.Onnx;
using Microsoft.ML.Model.OnnxConverter;
using static TorchSharp.torch;

namespace Microsoft.ML.GenerativeRec.Transformers;

/// <summary>
/// A trained encoder with what serving it needs (the item vocabulary, column names, K and a popularity fallback) and
/// its lifetime: it owns the TorchSharp module, and calls in flight finish before <see cref="Dispose"/> frees it.
/// </summary>
/// <remarks>Saved and loaded by <see cref="NeuralRecommenderFormat"/>.</remarks>
internal sealed class NeuralRecommender : IDisposable
{
    private readonly CandidateScorer _scorer;
    private readonly BatchRecommender _serving;
    private readonly DisposalGate _gate;

    public NeuralRecommender(EncoderKind kind, EncoderShape shape, nn.Module module, ItemVocabulary vocabulary, int[] fallbackRanking,
        ServingSettings settings, TrainingHistory history, Device device)
    {
        Kind = kind;
        Shape = shape;
        Module = module;
        Encoder = (ISequenceEncoder)module;
        Vocabulary = vocabulary;
        FallbackRanking = fallbackRanking;
        Settings = settings;
        History = history;
        Device = device;
        module.eval();
        _scorer = new CandidateScorer(Encoder);           // a fitted model's weights never change
        _serving = new BatchRecommender(_scorer, (int)shape.MaxSequenceLength, ListLength,
            fallbackRanking, UsesTimestamps, settings.UserEmbeddingColumnName is null ? null : (int)shape.EmbeddingDimension, device);
        _gate = new DisposalGate(this);
    }

    public EncoderKind Kind { get; }

    public EncoderShape Shape { get; }

    public ISequenceEncoder Encoder { get; }

    public nn.Module Module { get; }

    public ItemVocabulary Vocabulary { get; }

    /// <summary>Item indices by training popularity, for histories with no known item.</summary>
    public int[] FallbackRanking { get; }

    public ServingSettings Settings { get; }

    public TrainingHistory History { get; }

    public Device Device { get; }

    /// <summary>True when the model reads history times and the request time (HSTU's time bias).</summary>
    public bool UsesTimestamps => Kind == EncoderKind.Hstu && Shape.UseTimeBias;

    /// <summary>K as served: the number of recommendations asked for, at most the number of items.</summary>
    public int ListLength => Math.Min(Settings.NumberOfRecommendations, Vocabulary.Count);

    /// <summary>The top-K item indices and cosine scores of every request, scored in one batch.</summary>
    /// <exception cref="ObjectDisposedException">The model has been disposed.</exception>
    public Recommendation[] Recommend(IReadOnlyList<ServingRequest> requests)
    {
        using var call = _gate.Enter();
        return _serving.Recommend(requests);
    }

    /// <summary>The full-ranking rank of each row's label (0 = miss), as <see cref="FullRankingEvaluator"/> computes it.</summary>
    /// <exception cref="ObjectDisposedException">The model has been disposed.</exception>
    public long[] Ranks(SequenceArena rows, ISet<long>? recommended)
    {
        using var call = _gate.Enter();
        return FullRankingEvaluator.Ranks(Module, _scorer, rows, (int)Shape.MaxSequenceLength, Device, recommended,
            Settings.NumberOfRecommendations);
    }

    /// <summary>Writes the model into an ONNX graph that reads <paramref name="columns"/> and makes <paramref name="outputColumns"/>.</summary>
    /// <returns>The variables of the output columns, in the order of <paramref name="outputColumns"/>.</returns>
    /// <exception cref="ObjectDisposedException">The model has been disposed.</exception>
    public string[] WriteOnnx(OnnxContext context, ServingColumns columns, IReadOnlyList<DataViewSchema.DetachedColumn> outputColumns)
    {
        using var call = _gate.Enter();
        return new OnnxRecommenderWriter(this).Write(context, columns, outputColumns);
    }

    /// <summary>The L2-normalised item table: items 1..N in vocabulary order.</summary>
    /// <exception cref="ObjectDisposedException">The model has been disposed.</exception>
    public float[][] ItemVectors()
    {
        using var call = _gate.Enter();
        return _scorer.ItemVectors();
    }

    /// <summary>Writes the weights as a reference state dict and its hyper-parameter JSON (<see cref="Interop.ReferenceModelExporter"/>).</summary>
    /// <exception cref="ObjectDisposedException">The model has been disposed.</exception>
    /// <exception cref="NotSupportedException">An item id is not an integer.</exception>
    public void ExportToReference(string path)
    {
        using var call = _gate.Enter();
        Interop.ReferenceModelExporter.Export(this, path);
    }

    /// <summary>Waits for the calls in flight, then frees the native memory; later calls throw <see cref="ObjectDisposedException"/>.</summary>
    public void Dispose()
    {
        if (_gate.Close())
        {
            _scorer.Dispose();
            Module.Dispose();
        }
    }
}
